// Protected Files: Import Protocol Document… in a real extension host: the preview shows what
// the document was understood to protect and what was skipped, and cancelling writes nothing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, closeAll, folderPath, mainFolder, manifestText, sleep, waitFor } from './helpers';

const DOC = 'IMPORT-PROTOCOL.md';
const PROTOCOL = `# Protocol

## 🔴 TIER 1 — CRITICAL

### Payments (PAYMENTS)

\`\`\`
src/payments/**
\`\`\`

Risk: members are charged twice.

\`\`\`typescript
import { charge } from './src/evil/never-imported.ts';
\`\`\`
`;

function previewReport(): vscode.TextDocument | undefined {
  return vscode.window.visibleTextEditors.map((e) => e.document).find((d) => d.uri.scheme === 'protected-files-preview' && d.uri.path.endsWith('import-report.txt'));
}

describe('import protocol document', function () {
  this.timeout(60_000);

  after(async () => {
    fs.rmSync(path.join(folderPath(), DOC), { force: true });
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await closeAll();
  });

  it('previews what it understood and skipped; Escape writes nothing', async () => {
    const a = await api();
    await waitFor('fixture manifest loaded', () => mainFolder(a).manifest);
    const before = manifestText();
    fs.writeFileSync(path.join(folderPath(), DOC), PROTOCOL);

    const done = vscode.commands.executeCommand('protectedFiles.importProtocol', vscode.Uri.file(path.join(folderPath(), DOC)));
    // The list: "Write 1 file", "Show What Was Understood", then the manifest's diff. Open the report.
    await sleep(1_000);
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const report = await waitFor('the import report', previewReport);
    const text = report.getText();
    assert.match(text, /^Read IMPORT-PROTOCOL\.md: 1 tier\(s\), 1 component\(s\), 1 path\(s\)\./);
    assert.match(text, /tier1 {5}Tier 1 .*→ existing tier "tier1"/);
    assert.match(text, /PAYMENTS {2}tier1 {2}\(new; name from heading "Payments \(PAYMENTS\)"\)\n {4}src\/payments\/\*\* {2}\(line 8, code block\)\n {4}risk: members are charged twice\./);
    assert.match(text, /Not found in this folder[^\n]*\n {2}src\/payments\/\*\*/);
    assert.match(text, /line 13: typescript — typescript code block \(lines 13–15\): example code/);
    assert.doesNotMatch(text, /never-imported/);

    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await done;
    assert.equal(manifestText(), before, 'cancelling the preview writes nothing');
    await waitFor('the preview tabs closed', () => previewReport() === undefined);
  });
});
