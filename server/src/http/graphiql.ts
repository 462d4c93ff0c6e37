/**
 * A GraphQL IDE at `GET /graphql` for browsers, served entirely from
 * installed packages (GraphiQL 3 and React 18 UMD builds): no CDN, the
 * server may be offline. GraphiQL's bundle includes the graphql-ws client,
 * so subscriptions run over the same `/graphql` path.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router, type Request, type RequestHandler } from 'express';

/** URL prefix of the IDE's static files. */
export const IDE_ASSETS = '/graphiql';

const packageDir = (name: string): string => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

const ASSET_FILES: Record<string, string> = {
  'react.production.min.js': join(packageDir('react'), 'umd', 'react.production.min.js'),
  'react-dom.production.min.js': join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'),
  'graphiql.min.js': join(packageDir('graphiql'), 'graphiql.min.js'),
  'graphiql.min.css': join(packageDir('graphiql'), 'graphiql.min.css'),
};

const DEFAULT_QUERY = `# Classify a drawing given as 28x28 pixels, strokes or a PNG data URL:
mutation Classify($pixels: [Float!]) {
  classify(input: { pixels: $pixels }) {
    id
    digit
    confidence
    probabilities
    model { version name testAccuracy }
  }
}

# Watch predictions arrive (run this in a second tab):
subscription Live {
  predictionAdded { id digit confidence createdAt }
}
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>MNIST Studio · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${IDE_ASSETS}/graphiql.min.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="${IDE_ASSETS}/react.production.min.js"></script>
<script src="${IDE_ASSETS}/react-dom.production.min.js"></script>
<script src="${IDE_ASSETS}/graphiql.min.js"></script>
<script src="${IDE_ASSETS}/init.js"></script>
</body>
</html>
`;

// Separate from the page so that a strict Content-Security-Policy needs no 'unsafe-inline'.
const INIT_SCRIPT = `(function () {
  var url = new URL('/graphql', window.location.href);
  var subscriptionUrl = new URL(url);
  subscriptionUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({ url: url.href, subscriptionUrl: subscriptionUrl.href });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: ${JSON.stringify(DEFAULT_QUERY)} }));
})();
`;

/** True for a browser navigating to the URL, false for GraphQL clients (they ask for JSON). */
function wantsHtml(req: Request): boolean {
  return req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) === 'text/html';
}

/** The IDE page, for `GET /graphql` from a browser; GraphQL clients pass through to the API. */
export function graphiqlPage(): RequestHandler {
  return (req, res, next) => {
    if (!wantsHtml(req) || typeof req.query.query === 'string') return next();
    res.set('Cache-Control', 'no-cache').type('html').send(PAGE);
  };
}

/** The IDE's scripts and styles, to mount at {@link IDE_ASSETS}. */
export function graphiqlAssets(): Router {
  const router = Router();
  router.get('/init.js', (_req, res) => {
    res.type('application/javascript').set('Cache-Control', 'no-cache').send(INIT_SCRIPT);
  });
  for (const [name, file] of Object.entries(ASSET_FILES)) {
    router.get(`/${name}`, (_req, res, next) => {
      res.sendFile(file, { maxAge: '1d', immutable: false }, (error) => error && next(error));
    });
  }
  return router;
}

/** Used by tests: every asset must exist on disk. */
export const graphiqlAssetFiles = (): string[] => Object.values(ASSET_FILES);

