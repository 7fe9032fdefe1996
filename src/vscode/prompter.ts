import * as vscode from 'vscode';

export interface PickItem<T> {
  readonly label: string;
  readonly description?: string;
  readonly detail?: string;
  readonly value: T;
}

export interface PickOptions {
  readonly title: string;
  readonly placeholder: string;
  /** Text typed into the box that starts with this word is returned as a line instead of a pick. */
  readonly lineKeyword?: string;
}

export interface InputOptions {
  readonly title: string;
  readonly prompt: string;
  readonly placeholder?: string;
  readonly password?: boolean;
  readonly value?: string;
  readonly validate?: (value: string) => string | undefined;
}

export type PickResult<T> = { readonly item: T } | { readonly line: string };

/**
 * The questions the flows ask. The workbench answers them in use; tests hand in scripted answers
 * (only in the extension's test mode), so the flows are exercised end to end without a keyboard.
 */
export interface Prompter {
  pick<T>(items: readonly PickItem<T>[], options: PickOptions): Promise<PickResult<T> | undefined>;
  input(options: InputOptions): Promise<string | undefined>;
}

export class WorkbenchPrompter implements Prompter {
  pick<T>(items: readonly PickItem<T>[], options: PickOptions): Promise<PickResult<T> | undefined> {
    return new Promise((resolve) => {
      const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
      qp.title = options.title;
      qp.placeholder = options.placeholder;
      qp.matchOnDescription = true;
      qp.matchOnDetail = true;
      qp.items = items.map((i) => ({ label: i.label, description: i.description, detail: i.detail, value: i.value }));
      let done = false;
      const finish = (r: PickResult<T> | undefined): void => {
        if (done) return;
        done = true;
        resolve(r);
        qp.dispose();
      };
      qp.onDidAccept(() => {
        const typed = qp.value.trim();
        if (options.lineKeyword && typed.toUpperCase().startsWith(options.lineKeyword)) return finish({ line: typed });
        const picked = qp.selectedItems[0] ?? qp.activeItems[0];
        if (picked) finish({ item: picked.value });
      });
      qp.onDidHide(() => finish(undefined));
      qp.show();
    });
  }

  async input(options: InputOptions): Promise<string | undefined> {
    return vscode.window.showInputBox({
      title: options.title,
      prompt: options.prompt,
      placeHolder: options.placeholder,
      password: options.password,
      value: options.value,
      ignoreFocusOut: true,
      validateInput: options.validate,
    });
  }
}

/** Answers prompts from a script, in order; an answer of `undefined` is a cancel. For tests. */
export class ScriptedPrompter implements Prompter {
  readonly asked: string[] = [];
  /** Validation messages an answer was refused with. */
  readonly rejected: string[] = [];

  constructor(private readonly answers: (string | undefined)[]) {}

  async pick<T>(items: readonly PickItem<T>[], options: PickOptions): Promise<PickResult<T> | undefined> {
    this.asked.push(`pick:${options.title}`);
    const a = this.next();
    if (a === undefined) return undefined;
    if (options.lineKeyword && a.toUpperCase().startsWith(options.lineKeyword)) return { line: a };
    const item = items.find((i) => i.label === a || i.label.endsWith(` ${a}`) || i.description === a);
    if (!item) throw new Error(`scripted pick: no item "${a}" in ${items.map((i) => i.label).join(', ')}`);
    return { item: item.value };
  }

  async input(options: InputOptions): Promise<string | undefined> {
    this.asked.push(`input:${options.title}`);
    const a = this.next();
    if (a === undefined) return undefined;
    const problem = options.validate?.(a);
    if (problem) {
      // The box would show the message and refuse Enter; the scripted user then gives up.
      this.rejected.push(problem);
      return undefined;
    }
    return a;
  }

  get remaining(): number {
    return this.answers.length;
  }

  private next(): string | undefined {
    if (this.answers.length === 0) throw new Error('scripted prompter: no answer left');
    return this.answers.shift();
  }
}
