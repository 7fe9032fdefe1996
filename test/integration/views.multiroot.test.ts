// Both views in the multi-root workspace (test/fixtures/multiroot: web and api with a manifest each,
// docs without): one node per folder with a manifest, each with its own tiers, grants and audit log.
import * as assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import type { TestApi } from '../../src/extension';
import { api, waitFor } from './helpers';

async function labels<T>(p: vscode.TreeDataProvider<T>, node?: T): Promise<{ label: string; description: string; node: T }[]> {
  const out = [];
  for (const child of (await p.getChildren(node)) ?? []) {
    const item = await p.getTreeItem(child);
    const l = item.label;
    out.push({ label: typeof l === 'string' ? l : l?.label ?? '', description: String(item.description ?? ''), node: child });
  }
  return out;
}

describe('views (multi-root)', function () {
  let a: TestApi;

  before(async () => {
    a = await api();
    await waitFor('both manifests loaded', () => a.service.withManifest().filter((f) => f.manifest).length === 2);
  });

  afterEach(async () => {
    for (const f of a.service.all()) for (const g of f.registry.all()) await a.unlocks.relock(f, g.target, 'relock');
  });

  it('Protected Files: a node per folder with a manifest, each with its own components', async () => {
    const folders = await labels(a.filesView);
    assert.deepEqual(folders.map((f) => f.label).sort(), ['api', 'web']);
    const api = folders.find((f) => f.label === 'api')!;
    const apiComponents = (await Promise.all((await labels(a.filesView, api.node)).map((t) => labels(a.filesView, t.node)))).flat();
    assert.ok(apiComponents.some((c) => c.label === 'PAYMENTS'), apiComponents.map((c) => c.label).join(', '));
    assert.ok(!apiComponents.some((c) => c.label === 'CHECKOUT'), 'web\'s component is not under api');
  });

  it('an unlock in one folder shows there only, and in that folder\'s Audit Log', async () => {
    const apiFolder = a.service.withManifest().find((f) => f.name === 'api')!;
    const payments = apiFolder.manifest!.components.find((c) => c.name === 'PAYMENTS')!;
    const tier = apiFolder.manifest!.tiers.find((t) => t.id === payments.tier)!;
    await a.unlocks.unlock(apiFolder, { kind: 'component', name: 'PAYMENTS' }, tier, 'Refund rounding fix (ticket 9)');
    const componentRow = async (folder: string, name: string): Promise<string> => {
      const f = (await labels(a.filesView)).find((x) => x.label === folder)!;
      const comps = (await Promise.all((await labels(a.filesView, f.node)).map((t) => labels(a.filesView, t.node)))).flat();
      return comps.find((c) => c.label === name)?.description ?? '';
    };
    await waitFor('api PAYMENTS unlocked in the view', async () => /unlocked .*Refund rounding fix/.test(await componentRow('api', 'PAYMENTS')));
    assert.match(await componentRow('web', 'CHECKOUT'), /locked$/);

    const auditFolders = await labels(a.auditLog);
    assert.deepEqual(auditFolders.map((f) => f.label).sort(), ['api', 'web']);
    const apiLog = await waitFor('the unlock in api\'s log', async () => {
      const rows = await labels(a.auditLog, auditFolders.find((f) => f.label === 'api')!.node);
      const day = rows[1];
      return day && (await labels(a.auditLog, day.node)).some((r) => r.label.startsWith('unlock PAYMENTS')) ? rows : undefined;
    });
    assert.match(apiLog[0].label, /^Chain verified/);
    const webRows = await labels(a.auditLog, auditFolders.find((f) => f.label === 'web')!.node);
    for (const day of webRows.slice(1)) assert.ok(!(await labels(a.auditLog, day.node)).some((r) => r.label.startsWith('unlock PAYMENTS')));
  });
});
