import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_PUSH_RULES } from './default-push-rules';
import { compileRule, type PushRule, PushRuleConfig } from './push-rule';

/** The rules file: `{ "rules": [ … ] }`, one rule per event type. */
export const PushRulesFile = z
  .strictObject({ rules: z.array(PushRuleConfig) })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.rules.forEach((rule, i) => {
      if (seen.has(rule.event))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'event'],
          message: `a second rule for ${rule.event}: one rule per event type`,
        });
      seen.add(rule.event);
    });
  });

/** The push rules could not be read or are not valid; the message says which and where. */
export class PushRulesError extends Error {
  constructor(source: string, problem: string) {
    super(`Push rules in ${source} are not valid: ${problem}`);
    this.name = 'PushRulesError';
  }
}

/** Push rules by event type, compiled; checked at boot so that a bad file stops the service. */
export class PushRules {
  private constructor(private readonly byEvent: ReadonlyMap<string, PushRule>) {}

  /** The rules of `file` (JSON), or the defaults when none is named. */
  static load(file: string | undefined): PushRules {
    if (!file) return PushRules.of({ rules: DEFAULT_PUSH_RULES }, 'the defaults');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new PushRulesError(
        file,
        `cannot read it (${(err as Error).message}); check PUSH_RULES_FILE`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new PushRulesError(file, `it is not JSON (${(err as Error).message})`);
    }
    return PushRules.of(json, file);
  }

  static of(input: unknown, source: string): PushRules {
    const parsed = PushRulesFile.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PushRulesError(
        source,
        `${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    try {
      return new PushRules(new Map(parsed.data.rules.map((r) => [r.event, compileRule(r)])));
    } catch (err) {
      throw new PushRulesError(source, (err as Error).message);
    }
  }

  ruleFor(eventType: string): PushRule | undefined {
    return this.byEvent.get(eventType);
  }

  get eventTypes(): string[] {
    return [...this.byEvent.keys()];
  }
}
