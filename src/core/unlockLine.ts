// The one-line unlock of the old protocol documents, accepted in the unlock prompt:
//   UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason>
//   UNLOCK <COMPONENT> FOR: <reason>            (tiers that need no code)
// Messages never contain any of the user's text: the code may sit anywhere in it.

export type UnlockLine =
  | { kind: 'line'; component: string; code: string | undefined; reason: string }
  | { kind: 'invalid'; message: string };

const EXPECTED = 'Expected: UNLOCK <COMPONENT> WITH CODE: <code> FOR: <reason> (or UNLOCK <COMPONENT> FOR: <reason> where no code is needed).';
const STARTS_WITH_UNLOCK = /^unlock(?=\s|$)/i;
const COMPONENT_NAME = /^[A-Za-z0-9_.-]+$/;
const KEYWORD = /^(?:with|code|for)$/i;
const CODE_PREFIX = /^(?:with\s+)?code\s*:/i;
const FOR_PREFIX = /^for\s*:/i;
// The code ends at the first FOR: that stands on its own, so a reason may say "FOR:" again
// but a code may not contain " FOR:".
const FOR_DELIMITER = /(?:^|\s)for\s*:/i;

function invalid(problem: string): UnlockLine {
  return { kind: 'invalid', message: `${problem} ${EXPECTED}` };
}

/**
 * Parses the one-line unlock form. Returns undefined when `text` does not start with the
 * word UNLOCK (a plain code typed into the box is not the form), `{ kind: 'invalid' }` with
 * a message naming the missing part when it does but is incomplete, and the parts otherwise.
 * Keywords are case-insensitive; the component is returned as typed; code and reason are
 * trimmed.
 */
export function parseUnlockLine(text: string): UnlockLine | undefined {
  const trimmed = text.trim();
  if (!STARTS_WITH_UNLOCK.test(trimmed)) return undefined;
  if (/[\r\n]/.test(trimmed)) return invalid('Write the unlock on a single line.');

  const rest = trimmed.slice('unlock'.length).trimStart();
  const componentMatch = /^[^\s:]+/.exec(rest);
  if (!componentMatch || KEYWORD.test(componentMatch[0]) || rest.startsWith(':')) {
    return invalid('The component name is missing after UNLOCK.');
  }
  const component = componentMatch[0];
  if (!COMPONENT_NAME.test(component)) {
    return invalid('The component name may contain only letters, digits, "_", "-" and ".".');
  }

  const afterComponent = rest.slice(component.length).trimStart();
  let code: string | undefined;
  let reasonPart: string;
  const codePrefix = CODE_PREFIX.exec(afterComponent);
  if (codePrefix) {
    const codeAndRest = afterComponent.slice(codePrefix[0].length);
    const delimiter = FOR_DELIMITER.exec(codeAndRest);
    if (!delimiter) return invalid('The FOR: <reason> part is missing after the code.');
    code = codeAndRest.slice(0, delimiter.index).trim();
    if (code === '') return invalid('The code after CODE: is empty.');
    reasonPart = codeAndRest.slice(delimiter.index + delimiter[0].length);
  } else if (FOR_PREFIX.test(afterComponent)) {
    reasonPart = afterComponent.replace(FOR_PREFIX, '');
  } else if (afterComponent === '') {
    return invalid('The FOR: <reason> part is missing.');
  } else if (/^with(?=\s|$)/i.test(afterComponent)) {
    return invalid('The CODE: part is missing after WITH (the colon is needed).');
  } else {
    return invalid('After the component name comes WITH CODE: <code> or FOR: <reason>.');
  }

  const reason = reasonPart.trim();
  if (reason === '') return invalid('The reason after FOR: is empty.');
  return { kind: 'line', component, code, reason };
}
