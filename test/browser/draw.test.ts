/**
 * The Draw page in a real Chromium against the real server: drawing with the
 * mouse, the live answer (previews, nothing stored), the finished drawing
 * stored once, undo/redo, clear and labelling from the keyboard.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { drawStroke, nextFrames, saveScreenshot, SEVEN, startApp, waitUntilLive } from './harness.js';
import { usePagePerTest } from './suite.js';

/** A GraphQL request the page sent over HTTP, and what came back. */
interface Exchange {
  /** `Preview`, `Classify`, `DiscardPrediction`, `LabelPrediction` ... */
  readonly operation: string;
  /** Whether the body carried the query text (a persisted query whose hash the server knows goes without). */
  readonly withText: boolean;
  /** Whether the body carried a persisted-query hash. */
  readonly persisted: boolean;
  /** Points of the drawing's strokes in the request's variables, if it sent strokes. */
  readonly points: number | null;
  readonly sentAt: number;
  readonly answer: Promise<Answer>;
}

interface Answer {
  readonly receivedAt: number;
  readonly digit: number | null;
  readonly probabilities: number[] | null;
}

/** The page's idle window before a finished drawing is stored, and some slack for a busy machine. */
const SAVE_AFTER_MS = 1000 + 1500;

/** A stored row of the visitor's, as the checks need it. */
interface Row {
  id: string;
  digit: number;
  probabilities: number[];
  label: number | null;
}

/** The bars' text for `probabilities` as ConfidenceBars formats it, without white space. */
const barTexts = (probabilities: number[]) => probabilities.map((p, digit) => `Digit${digit}:${p < 0.001 ? '<0.1' : (p * 100).toFixed(1)}%`);

describe('Draw page', { timeout: 180_000 }, () => {
  const suite = usePagePerTest(() => startApp());
  let exchanges: Exchange[];
  /** GraphQL requests sent as GET (the server's CSRF prevention refuses them). */
  let gets: string[];

  beforeEach(async () => {
    exchanges = [];
    gets = [];
    // A persisted query the server did not know yet is refused and sent again with its text (the
    // retry carries `miss`): the pair is one operation here, answered by the retry. Misses and
    // retries of an operation pair up in order, whichever of the two the page reports first.
    const waitingMisses = new Map<string, Array<(answer: Answer) => void>>();
    const earlyRetries = new Map<string, Answer[]>();
    const queue = <T>(map: Map<string, T[]>, key: string) => map.get(key) ?? map.set(key, []).get(key)!;
    suite.page.on('request', (request) => {
      if (!request.url().split('?')[0]!.endsWith('/graphql') || request.resourceType() !== 'fetch') return;
      if (request.method() !== 'POST') {
        gets.push(request.url());
        return;
      }
      const body = JSON.parse(request.postData() ?? '{}') as {
        operationName?: string;
        query?: string;
        variables?: { input?: { strokes?: Array<{ points: unknown[] }> } };
        extensions?: { persistedQuery?: { sha256Hash?: string; miss?: boolean } };
      };
      const strokes = body.variables?.input?.strokes;
      const points = strokes ? strokes.reduce((sum, stroke) => sum + stroke.points.length, 0) : null;
      const operation = body.operationName ?? '';
      const reply = request.response().then(async (response) => {
        const receivedAt = Date.now();
        const json = (await response?.json().catch(() => undefined)) as
          | { data?: Record<string, { digit?: number; probabilities?: number[] } | null>; errors?: Array<{ message?: string }> }
          | undefined;
        const result = json?.data?.preview ?? json?.data?.classify;
        const missed = json?.errors?.some((e) => e.message === 'PersistedQueryNotFound') ?? false;
        return { missed, answer: { receivedAt, digit: result?.digit ?? null, probabilities: result?.probabilities ?? null } };
      });
      if (body.extensions?.persistedQuery?.miss) {
        void reply.then(({ answer }) => {
          const waiting = queue(waitingMisses, operation).shift();
          if (waiting) waiting(answer);
          else queue(earlyRetries, operation).push(answer);
        });
        return;
      }
      const answer = reply.then(({ missed, answer }) => {
        if (!missed) return answer;
        const early = queue(earlyRetries, operation).shift();
        return early ?? new Promise<Answer>((resolve) => queue(waitingMisses, operation).push(resolve));
      });
      exchanges.push({ operation, withText: typeof body.query === 'string', persisted: Boolean(body.extensions?.persistedQuery?.sha256Hash), points, sentAt: Date.now(), answer });
    });
    await suite.page.goto(`${suite.server.url}/`);
    // "Live" appears once the page is hydrated and the graphql-ws socket is up.
    await waitUntilLive(suite.page);
  });

  afterEach(() => {
    assert.deepEqual(gets, [], 'every GraphQL request over HTTP is a POST');
  });

  const canvas = () => suite.page.getByLabel('Drawing area');
  const topDigit = () => suite.page.getByTestId('top-digit');
  const bars = () => suite.page.getByTestId('confidence-bars').locator('li .value');
  /** What the bars say, without white space (see {@link barTexts}). */
  const shownBars = async () => (await bars().allTextContents()).map((text) => text.replace(/\s+/g, ''));
  const sent = (operation: string) => exchanges.filter((e) => e.operation === operation);

  async function strokeCount(): Promise<number> {
    return Number(await canvas().getAttribute('data-strokes'));
  }

  /** This browser context's stored predictions (each test has its own client id cookie), oldest first. */
  async function myRows(): Promise<Row[]> {
    const cookie = (await suite.opened.context.cookies()).find((c) => c.name === 'mnist_client_id');
    assert.ok(cookie, 'the page got a client id cookie');
    return suite.server.db.query<Row>('SELECT id, digit, probabilities, label FROM predictions WHERE client_id = $1 ORDER BY created_at', [cookie.value]);
  }

  /** Polls {@link myRows} until `done` holds (or fails after `timeoutMs`). */
  async function rowsWhen(done: (rows: Row[]) => boolean, timeoutMs = SAVE_AFTER_MS + 2000): Promise<Row[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await myRows();
      if (done(rows) || Date.now() > deadline) return rows;
      await suite.page.waitForTimeout(100);
    }
  }

  /** Waits until every request sent so far was answered, then for the page to settle. */
  async function settled(): Promise<Answer[]> {
    let count = -1;
    while (count !== exchanges.length) {
      count = exchanges.length;
      await Promise.all(exchanges.map((e) => e.answer));
      await suite.page.waitForTimeout(200);
    }
    await nextFrames(suite.page);
    return Promise.all(exchanges.map((e) => e.answer));
  }

  test('sends its operations as persisted queries: the hash alone once the server has seen the text', async () => {
    for (const stroke of SEVEN) await drawStroke(suite.page, canvas(), stroke);
    await settled();
    assert.equal((await rowsWhen((rows) => rows.length === 1)).length, 1, 'the drawing was stored');
    const answers = await settled();
    assert.ok(exchanges.length > 0 && exchanges.every((e) => e.persisted), `every request carries a hash: ${exchanges.map((e) => e.operation)}`);
    const previews = sent('Preview');
    assert.ok(previews.length >= 2, `more than one preview, got ${previews.length}`);
    assert.ok(previews.every((e) => !e.withText), 'previews go as the hash alone (a miss is resent with the text, and counts once here)');
    const previewAnswers = exchanges.map((e, i) => ({ e, answer: answers[i]! })).filter(({ e }) => e.operation === 'Preview');
    assert.ok(previewAnswers.every(({ answer }) => answer.digit !== null), 'and every one is answered');
    const classify = sent('Classify');
    assert.ok(classify.length >= 1);
    assert.notEqual((await classify.at(-1)!.answer).digit, null, 'the stored classify was answered');
  });

  test('shows the answer, ten confidence bars and the 28×28 input after a digit is drawn with the mouse', async () => {
    assert.equal(await topDigit().textContent(), '?');
    await suite.page.getByText('Draw a digit from 0 to 9').waitFor();

    const started = Date.now();
    for (const stroke of SEVEN) await drawStroke(suite.page, canvas(), stroke);
    const drawingMs = Date.now() - started;
    await settled();

    assert.equal(await strokeCount(), 2);
    const last = await sent('Preview').at(-1)?.answer;
    assert.ok(last && last.digit !== null && last.probabilities, 'the last preview got an answer');
    assert.equal(await topDigit().textContent(), String(last.digit), 'the big digit is the answer to the latest preview');

    assert.equal(await bars().count(), 10);
    assert.deepEqual(await shownBars(), barTexts(last.probabilities), "the bars show the latest preview's probabilities");
    const top = suite.page.getByTestId('confidence-bars').locator('li.top');
    assert.equal(await top.count(), 1, 'exactly one bar is highlighted');
    assert.match((await top.textContent()) ?? '', new RegExp(`Digit ${last.digit}:`));
    const total = last.probabilities.reduce((sum, p) => sum + p, 0);
    assert.ok(Math.abs(total - 1) < 1e-3, `the probabilities add up to 1, got ${total}`);

    const ink = await suite.page.evaluate(`(() => {
      const canvas = document.querySelector('[data-testid="model-input"]');
      const data = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
      let lit = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 0) lit++;
      return lit;
    })()`);
    assert.ok(typeof ink === 'number' && ink > 10, `the 28×28 preview shows ink, got ${String(ink)} lit pixels`);

    // Previews run the model: they stay rate-limited (one per 150 ms while drawing, plus one when each stroke ends).
    const previews = sent('Preview').length;
    const allowed = Math.ceil(drawingMs / 150) + SEVEN.length + 1;
    assert.ok(previews >= SEVEN.length && previews <= allowed, `${previews} previews for ${drawingMs} ms of drawing (allowed ${allowed})`);
  });

  test('updates the answer and the bars while the pen is still down, storing nothing until the drawing is finished', async () => {
    const box = await canvas().boundingBox();
    assert.ok(box);
    const at = ([x, y]: readonly [number, number]) => [box.x + box.width * x, box.y + box.height * y] as const;
    // A seven in one stroke: the bar, then the stem, without lifting the pen.
    const [first, ...rest] = [...SEVEN[0]!, ...SEVEN[1]!.slice(1)];
    await suite.page.mouse.move(...at(first!));
    await suite.page.mouse.down();
    const seen: string[][] = [];
    for (const point of rest) {
      // Counted before the move: on a busy machine the move's preview can go out before the move's promise resolves here.
      const before = sent('Preview').length;
      await suite.page.mouse.move(...at(point), { steps: 6 });
      // The request event can lag the move on a busy machine: wait for it rather than for quiet.
      for (const deadline = Date.now() + 5000; sent('Preview').length === before && Date.now() < deadline; ) await suite.page.waitForTimeout(20);
      assert.ok(sent('Preview').length > before, 'a preview goes out while the pen moves');
      await settled();
      const latest = await sent('Preview').at(-1)!.answer;
      assert.ok(latest.probabilities, 'the preview got an answer');
      assert.match((await topDigit().textContent()) ?? '', /^\d$/, 'an answer is shown before the pen is lifted');
      const shown = await shownBars();
      assert.deepEqual(shown, barTexts(latest.probabilities), 'the bars follow the latest preview while the pen is down');
      seen.push(shown);
    }
    assert.ok(new Set(seen.map((texts) => texts.join())).size > 1, 'the bars changed as the stroke grew');
    // Longer than the idle window: an unfinished stroke is never stored.
    await suite.page.waitForTimeout(SAVE_AFTER_MS);
    assert.equal(sent('Classify').length, 0, 'nothing is classified while the pen is down');
    assert.deepEqual(await myRows(), [], 'nothing is stored while the pen is down');
    await suite.page.mouse.up();
    const rows = await rowsWhen((r) => r.length > 0);
    assert.equal(rows.length, 1, 'the finished drawing is stored');
  });

  test('sends a drawing as the points that shape it, not every pointer sample', async () => {
    // Each segment is drawn as 6 pointer moves along a straight line: 32 positions in all.
    for (const stroke of SEVEN) await drawStroke(suite.page, canvas(), stroke);
    const [classify] = await (async () => {
      for (const deadline = Date.now() + 10_000; sent('Classify').length === 0 && Date.now() < deadline; ) await suite.page.waitForTimeout(50);
      return sent('Classify');
    })();
    assert.ok(classify, 'the drawing was classified');
    const positions = SEVEN.reduce((sum, stroke) => sum + 1 + 6 * (stroke.length - 1), 0);
    // Every stroke keeps at least its two ends.
    assert.ok(
      classify.points !== null && classify.points >= 2 * SEVEN.length && classify.points < positions / 2,
      `${classify.points} points sent for ${SEVEN.length} strokes drawn through ${positions} pointer positions`,
    );
    assert.ok((await classify.answer).digit !== null, 'and it was answered');
  });

  test('stores a drawn digit as exactly one prediction once it is left alone, the one on screen', async () => {
    for (const stroke of SEVEN) await drawStroke(suite.page, canvas(), stroke);
    const ended = Date.now();
    assert.deepEqual(await myRows(), [], 'not stored while the drawing may still change');
    const rows = await rowsWhen((r) => r.length > 0);
    const storedAfter = Date.now() - ended;
    assert.equal(rows.length, 1, 'one prediction stored');
    assert.ok(storedAfter >= 900, `stored after the idle window, ${storedAfter} ms after the last stroke`);
    // Nothing more comes later.
    await suite.page.waitForTimeout(SAVE_AFTER_MS);
    await settled();
    assert.equal((await myRows()).length, 1, 'still exactly one prediction');
    assert.equal(sent('Classify').length, 1, 'one classify request');
    const [row] = rows;
    assert.equal(String(row!.digit), await topDigit().textContent(), 'the stored prediction is the answer on screen');
    assert.deepEqual(await shownBars(), barTexts(row!.probabilities), 'the stored probabilities are the ones shown live');
  });

  test('a drawing changed after it was stored replaces its row, so the history holds the final drawing only', async () => {
    await drawStroke(suite.page, canvas(), SEVEN[0]!);
    const [firstRow] = await rowsWhen((r) => r.length > 0);
    assert.ok(firstRow, 'the one-stroke drawing is stored');
    await drawStroke(suite.page, canvas(), SEVEN[1]!);
    const rows = await rowsWhen((r) => r.length === 1 && r[0]!.id !== firstRow.id);
    await settled();
    assert.equal(rows.length, 1, 'one row for the drawing');
    assert.notEqual(rows[0]!.id, firstRow.id, 'the row is the finished drawing');
    assert.equal(sent('Classify').length, 2);
    assert.equal(sent('DiscardPrediction').length, 1, 'the superseded row was deleted');
  });

  test('a drawing cleared before it is left alone for a second is never stored', async () => {
    for (const stroke of SEVEN) await drawStroke(suite.page, canvas(), stroke);
    await suite.page.keyboard.press('Escape');
    await suite.page.waitForTimeout(SAVE_AFTER_MS);
    await settled();
    assert.equal(sent('Classify').length, 0);
    assert.deepEqual(await myRows(), []);
  });

  test('undo takes back the last stroke and redo puts it back, from buttons and keyboard', async () => {
    await drawStroke(suite.page, canvas(), SEVEN[0]!);
    await settled();
    const oneStroke = await canvas().screenshot();
    await drawStroke(suite.page, canvas(), SEVEN[1]!);
    await settled();
    const twoStrokes = await canvas().screenshot();
    assert.notDeepEqual(oneStroke, twoStrokes);

    const sentBeforeUndo = sent('Preview').length;
    await suite.page.getByRole('button', { name: 'Undo' }).click();
    await settled();
    assert.equal(await strokeCount(), 1);
    assert.deepEqual(await canvas().screenshot(), oneStroke, 'the canvas shows the first stroke alone again');
    assert.equal(sent('Preview').length, sentBeforeUndo + 1, 'undo asks for a new answer at once');

    await suite.page.keyboard.press('Control+Shift+Z');
    await settled();
    assert.equal(await strokeCount(), 2);
    assert.deepEqual(await canvas().screenshot(), twoStrokes, 'redo restores the second stroke');

    await suite.page.keyboard.press('Control+Z');
    await suite.page.keyboard.press('Control+Z');
    await settled();
    assert.equal(await strokeCount(), 0);
    assert.equal(await topDigit().textContent(), '?', 'nothing drawn, no answer');
    assert.equal(await suite.page.getByRole('button', { name: 'Undo' }).isDisabled(), true);

    await suite.page.keyboard.press('Control+Y');
    await settled();
    assert.equal(await strokeCount(), 1);
    assert.deepEqual(await canvas().screenshot(), oneStroke);
  });

  test('Escape clears the drawing and the answer without a request, and undo brings it back', async () => {
    for (const stroke of SEVEN) await drawStroke(suite.page, canvas(), stroke);
    await settled();
    assert.match((await topDigit().textContent()) ?? '', /^\d$/);

    const previews = sent('Preview').length;
    await suite.page.keyboard.press('Escape');
    await settled();
    assert.equal(await strokeCount(), 0);
    assert.equal(await topDigit().textContent(), '?');
    await suite.page.getByText('Draw a digit from 0 to 9').waitFor();
    assert.equal(sent('Preview').length, previews, 'an empty canvas is never sent');
    assert.equal(await suite.page.getByRole('button', { name: 'Clear' }).isDisabled(), true);

    await suite.page.getByRole('button', { name: 'Undo' }).click();
    await settled();
    assert.equal(await strokeCount(), 2);
    assert.match((await topDigit().textContent()) ?? '', /^\d$/);
  });

  test('the label buttons wait for an answer and mark the model\'s guess', async () => {
    const buttons = suite.page.getByRole('group', { name: 'Label the drawing' }).getByRole('button');
    assert.equal(await buttons.count(), 10);
    for (const button of await buttons.all()) assert.equal(await button.isDisabled(), true, 'nothing to label yet');
    const requests = exchanges.length;
    await suite.page.keyboard.press('3');
    assert.equal(exchanges.length, requests, 'a digit key on an empty canvas sends nothing');

    for (const stroke of SEVEN) await drawStroke(suite.page, canvas(), stroke);
    await settled();
    const answer = (await topDigit().textContent()) ?? '';
    for (const button of await buttons.all()) assert.equal(await button.isDisabled(), false);
    const guess = suite.page.getByRole('button', { name: `${answer}, the model's guess` });
    assert.equal(await guess.count(), 1, 'the guess is marked for screen readers too');
    assert.match((await guess.getAttribute('class')) ?? '', /\bguess\b/);
  });

  test('pressing a digit key before the drawing was stored stores it once, labelled, and starts a new drawing', async () => {
    for (const stroke of SEVEN) await drawStroke(suite.page, canvas(), stroke);
    await topDigit().filter({ hasText: /^\d$/ }).waitFor();
    const answer = (await topDigit().textContent()) ?? '';
    assert.equal(sent('Classify').length, 0, 'labelled within the idle window');

    await suite.page.keyboard.press('7');
    const status = suite.page.getByTestId('label-status');
    await status.filter({ hasText: 'Saved as 7' }).waitFor();
    assert.match((await status.textContent()) ?? '', answer === '7' ? /got it right/ : new RegExp(`model said ${answer}`));
    assert.equal(await strokeCount(), 0, 'the canvas is cleared for the next digit');
    await saveScreenshot(suite.page, 'draw-labelled-light');

    // Past the idle window: the label's save was the only one.
    await suite.page.waitForTimeout(SAVE_AFTER_MS);
    await settled();
    const rows = await myRows();
    assert.equal(rows.length, 1, 'exactly one prediction stored');
    assert.equal(rows[0]!.label, 7, 'and it is labelled');
    assert.equal(String(rows[0]!.digit), answer, 'the labelled prediction is the one on screen');
    assert.equal(sent('Classify').length, 1);
  });

  test('pressing a digit key after the drawing was stored labels that row, storing nothing more', async () => {
    for (const stroke of SEVEN) await drawStroke(suite.page, canvas(), stroke);
    const [stored] = await rowsWhen((r) => r.length > 0);
    assert.ok(stored, 'the finished drawing is stored');
    assert.equal(stored.label, null);

    await suite.page.keyboard.press('4');
    await suite.page.getByTestId('label-status').filter({ hasText: 'Saved as 4' }).waitFor();
    await settled();
    const rows = await myRows();
    assert.deepEqual(
      rows.map((r) => [r.id, r.label]),
      [[stored.id, 4]],
      'the stored row, now labelled, and no other',
    );
    assert.equal(sent('Classify').length, 1, 'labelling classified nothing again');
  });
});
