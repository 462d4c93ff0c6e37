/**
 * The Train and Models pages in a real Chromium against the real server with
 * its training worker: the form's two starts (fine-tune or fresh weights)
 * and its validation, a tiny training job watched live to the end, its new
 * version on the Models page with its evaluation (confusion-matrix examples,
 * curves), a fine-tune of that version, and cancelling a running job.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../../server/src/config.js';
import { TRAINING_PARAM_DEFAULTS, WARM_START_DEFAULTS } from '../../server/src/services/training-params.js';
import { startTestServer } from '../helpers/server.js';
import { openPage, saveScreenshot, waitUntilLive } from './harness.js';
import { usePagePerTest } from './suite.js';

const PHONE = { width: 390, height: 844 } as const;

describe('Train and Models pages', { timeout: 420_000 }, () => {
  const suite = usePagePerTest(() => {
    assert.ok(existsSync(join(REPO_ROOT, 'client', 'build', 'handler.js')), 'build the client first (npm run build)');
    // The harness's app runs no worker; this one trains, on a small test set
    // so evaluation stays quick, with frequent progress ticks.
    return startTestServer({ config: { evalTestLimit: 500, trainingProgressMs: 100 } });
  });

  const monitor = () => suite.page.getByTestId('run-monitor');

  async function waitForPhase(phases: readonly string[], timeout: number): Promise<string> {
    await suite.page.locator(phases.map((p) => `[data-testid="run-monitor"][data-phase="${p}"]`).join(', ')).waitFor({ timeout });
    return (await monitor().getAttribute('data-phase')) ?? '';
  }

  test("the form fine-tunes the active version with the server's warm-start recipe, or trains fresh weights with the fresh one", async () => {
    await suite.page.goto(`${suite.server.url}/train`);
    await waitUntilLive(suite.page);
    const fineTune = suite.page.getByRole('radio', { name: /^Fine-tune v1/ });
    const fresh = suite.page.getByRole('radio', { name: /^Fresh weights/ });
    await fineTune.and(suite.page.locator(':checked')).waitFor();
    const value = (label: string) => suite.page.getByLabel(label, { exact: true }).inputValue();
    assert.equal(await value('Epochs'), String(WARM_START_DEFAULTS.epochs));
    assert.equal(await value('Learning rate'), String(WARM_START_DEFAULTS.learningRate));
    await fresh.check();
    assert.equal(await value('Epochs'), String(TRAINING_PARAM_DEFAULTS.epochs));
    assert.equal(await value('Learning rate'), String(TRAINING_PARAM_DEFAULTS.learningRate));
    assert.equal(await value('Batch size'), String(TRAINING_PARAM_DEFAULTS.batchSize));
    assert.equal(await value('MNIST digits'), String(TRAINING_PARAM_DEFAULTS.mnistLimit));
    assert.equal(await value('Drawing weight'), String(TRAINING_PARAM_DEFAULTS.userSampleWeight));
    // A value typed in stays when the start changes; a default follows it.
    await suite.page.getByLabel('Epochs').fill('5');
    await fineTune.check();
    assert.equal(await value('Epochs'), '5');
    assert.equal(await value('Learning rate'), String(WARM_START_DEFAULTS.learningRate));
  });

  test('refuses out-of-range parameters in the form, saying which and why, before asking the server', async () => {
    await suite.page.goto(`${suite.server.url}/train`);
    await waitUntilLive(suite.page);
    await suite.page.getByText('No training jobs yet.').waitFor();
    const epochs = suite.page.getByLabel('Epochs');
    await epochs.fill('0');
    await epochs.blur();
    await suite.page.getByText('Epochs must be from 1 to 50; 0 is not.').waitFor();
    assert.equal(await epochs.getAttribute('aria-invalid'), 'true');
    await suite.page.getByLabel('Learning rate').fill('');
    await suite.page.getByRole('button', { name: 'Start training' }).click();
    await suite.page.getByText(`Learning rate is needed (the default is ${WARM_START_DEFAULTS.learningRate}).`).waitFor();
    assert.equal(await suite.page.evaluate('document.activeElement.id'), 'train-epochs', 'the first wrong field takes the focus');
    const jobs = await suite.server.db.query('SELECT 1 FROM training_jobs');
    assert.equal(jobs.length, 0, 'nothing was sent');
  });

  test('a tiny job runs live to its end, and its version shows on the Models page with examples of its mistakes', async () => {
    await suite.page.goto(`${suite.server.url}/train`);
    await waitUntilLive(suite.page);
    // From fresh weights: the test's active model is untrained, so the new version beats it and takes over.
    await suite.page.getByRole('radio', { name: /^Fresh weights/ }).check();
    await suite.page.getByLabel('Epochs').fill('1');
    await suite.page.getByLabel('Batch size').fill('50');
    await suite.page.getByLabel('MNIST digits').fill('500');
    await suite.page.getByLabel('Seed').fill('7');
    await suite.page.getByRole('checkbox', { name: /^Augment/ }).uncheck();
    await suite.page.getByRole('button', { name: 'Start training' }).click();
    await suite.page.waitForURL(/\?job=/);
    await monitor().waitFor();

    // Watch the run: phases and progress as they arrive.
    const seen = new Set<string>();
    const progress = new Set<number>();
    let chartSeen = false;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const phase = (await monitor().getAttribute('data-phase')) ?? '';
      seen.add(phase);
      progress.add(Number(await suite.page.getByTestId('run-progress').getAttribute('aria-valuenow')));
      chartSeen ||= (await suite.page.getByTestId('live-loss').locator('canvas').count()) > 0;
      if (phase === 'COMPLETED' || phase === 'FAILED' || phase === 'CANCELLED') break;
      assert.ok(Date.now() < deadline, `the job did not finish in time; phases seen: ${[...seen].join(', ')}`);
      await suite.page.waitForTimeout(150);
    }
    assert.equal((await monitor().getAttribute('data-phase')), 'COMPLETED', (await suite.page.getByTestId('run-result').textContent()) ?? '');
    assert.ok(seen.has('RUNNING') || seen.has('EVALUATING'), `saw the job at work: ${[...seen].join(', ')}`);
    assert.ok(chartSeen, 'the loss chart appeared');
    assert.equal(await suite.page.getByTestId('run-progress').getAttribute('aria-valuenow'), '100');
    assert.equal(await suite.page.getByTestId('per-class-progress').locator('li').count(), 10, 'validation accuracy for each digit');
    const result = suite.page.getByTestId('run-result');
    await result.filter({ hasText: 'Version 2 is ready' }).waitFor();
    await suite.page.getByTestId('job-row').first().filter({ hasText: 'Completed' }).waitFor();
    await suite.page.waitForTimeout(300);
    await saveScreenshot(suite.page, 'train-finished-desktop-light');

    await result.getByRole('link', { name: 'See v2 on the Models page' }).click();
    await suite.page.waitForURL(/\/models\?id=/);
    await suite.page.getByRole('heading', { level: 2, name: /^v2 · / }).waitFor();
    assert.equal(await suite.page.getByTestId('model-row').count(), 2, 'the imported version and the new one');
    await suite.page.getByTestId('split-accuracy').filter({ hasText: /%$/ }).waitFor();

    const cells = suite.page.getByTestId('model-confusion').locator('button');
    await cells.first().waitFor();
    const name = (await cells.first().getAttribute('aria-label')) ?? '';
    const [, actual, predicted] = /(\d)s taken for (\d)/.exec(name) ?? [];
    await cells.first().click();
    const examples = suite.page.getByTestId('cell-examples');
    await examples.getByRole('heading', { name: new RegExp(`^${actual} taken for ${predicted}`) }).waitFor();
    await examples.getByRole('img').first().waitFor();
    const labels = await examples.getByRole('img').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));
    assert.ok(labels.length >= 1, 'at least one example image');
    assert.ok(labels.every((l) => l?.startsWith(`A ${actual} the model read as ${predicted}`)), labels.join('; '));
    for (const chart of ['roc-chart', 'pr-chart', 'calibration-chart', 'loss-chart', 'accuracy-chart']) {
      await suite.page.getByTestId(chart).locator('canvas').first().waitFor();
    }
    await suite.page.waitForTimeout(300);
    await saveScreenshot(suite.page, 'models-examples-desktop-light');

    for (const theme of ['light', 'dark'] as const) {
      for (const [device, options] of [
        ['desktop', { colorScheme: theme }],
        ['phone', { colorScheme: theme, viewport: PHONE, deviceScaleFactor: 2 }],
      ] as const) {
        for (const path of ['/train', '/models']) {
          const view = await openPage(suite.browser, options);
          try {
            await view.page.goto(`${suite.server.url}${path}`);
            const chart = path === '/models' ? 'roc-chart' : 'live-loss';
            if (path === '/train') await view.page.getByTestId('job-row').first().getByRole('button', { name: 'Watch' }).click();
            await view.page.getByTestId(chart).locator('canvas').first().waitFor();
            await view.page.evaluate('scrollTo(0, 0)');
            await view.page.waitForTimeout(300);
            await saveScreenshot(view.page, `${path.slice(1)}-${device}-${theme}`);
            if (device === 'phone') {
              const wide = await view.page.evaluate(`[...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > ${PHONE.width} + 1).slice(0, 3).map((el) => el.tagName + '.' + el.className).join(', ')`);
              assert.equal(await view.page.evaluate('document.documentElement.scrollWidth'), PHONE.width, `nothing on ${path} overflows sideways on a phone: ${String(wide)}`);
            }
          } finally {
            await view.context.close();
          }
          assert.deepEqual(view.errors, []);
        }
      }
    }
  });

  test('a fine-tune starts from the weights of the version active when it starts, and says so in the job list', async () => {
    const [{ id: activeId }] = await suite.server.db.query<{ id: string }>("SELECT id FROM model_versions WHERE status = 'active'");
    await suite.page.goto(`${suite.server.url}/train`);
    await waitUntilLive(suite.page);
    await suite.page.getByRole('radio', { name: /^Fine-tune v2/ }).and(suite.page.locator(':checked')).waitFor();
    await suite.page.getByLabel('MNIST digits').fill('500');
    await suite.page.getByRole('button', { name: 'Start training' }).click();
    await suite.page.waitForURL(/\?job=/);
    assert.equal(await waitForPhase(['COMPLETED', 'FAILED', 'CANCELLED'], 240_000), 'COMPLETED');
    await suite.page.getByTestId('job-row').first().filter({ hasText: /Completed/ }).filter({ hasText: /fine-tune/ }).waitFor();
    const [job] = await suite.server.db.query<{ params: Record<string, unknown>; lineage: Record<string, unknown> }>(
      'SELECT j.params, v.lineage FROM training_jobs j JOIN model_versions v ON v.id = j.model_version_id ORDER BY j.created_at DESC LIMIT 1',
    );
    assert.equal(job?.params.warmStart, true);
    assert.equal(job?.params.learningRate, WARM_START_DEFAULTS.learningRate);
    assert.equal(job?.params.epochs, WARM_START_DEFAULTS.epochs);
    assert.equal(job?.lineage.warmStartFrom, activeId, 'the weights it started from are those of the version active then');
  });

  test('a running job can be cancelled from its progress panel', async () => {
    await suite.page.goto(`${suite.server.url}/train`);
    await waitUntilLive(suite.page);
    await suite.page.getByLabel('Epochs').fill('5');
    await suite.page.getByLabel('MNIST digits').fill('20000');
    await suite.page.getByRole('button', { name: 'Start training' }).click();
    await suite.page.waitForURL(/\?job=/);
    await waitForPhase(['RUNNING'], 120_000);
    await monitor().getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await waitForPhase(['CANCELLED', 'COMPLETED', 'FAILED'], 60_000), 'CANCELLED');
    await suite.page.getByTestId('run-result').filter({ hasText: 'Cancelled.' }).waitFor();
    await suite.page.getByTestId('job-row').first().filter({ hasText: 'Cancelled' }).waitFor();
    const [job] = await suite.server.db.query<{ status: string }>("SELECT status FROM training_jobs ORDER BY created_at DESC LIMIT 1");
    assert.equal(job?.status.toUpperCase(), 'CANCELLED');
  });
});
