import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { describeSchemaError, MAX_SCHEMA_ERROR_CHARS, MAX_SCHEMA_ISSUE_CHARS } from '../src/index';

function errorOf(schema: z.ZodType, value: unknown): z.ZodError {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected a schema failure');
  return parsed.error;
}

describe('describeSchemaError', () => {
  it('tells up to three issues as path: message', () => {
    const schema = z.strictObject({ a: z.string(), b: z.number(), c: z.boolean(), d: z.string() });
    const told = describeSchemaError(errorOf(schema, { a: 1, b: 'x', c: 0, d: 2 })).split('; ');
    expect(told.map((issue) => issue.slice(0, issue.indexOf(':')))).toEqual(['a', 'b', 'c']);
    expect(told[0]).toMatch(/^a: .*expected string/u);
  });

  it('cuts an unknown key zod repeats verbatim, each issue and the whole', () => {
    const key = 'k'.repeat(5000);
    const message = describeSchemaError(errorOf(z.strictObject({}), { [key]: 1 }));
    expect(message).toHaveLength(MAX_SCHEMA_ISSUE_CHARS);
    expect(message).toMatch(/^payload: Unrecognized key: "k+…$/u);

    const keys = Object.fromEntries(['a', 'b', 'c'].map((letter) => [letter, { [letter.repeat(5000)]: 1 }]));
    const nested = z.strictObject({ a: z.strictObject({}), b: z.strictObject({}), c: z.strictObject({}) });
    const three = describeSchemaError(errorOf(nested, keys));
    expect(three.split('; ').map((issue) => issue.length)).toEqual([200, 200, 200]);
    expect(three.length).toBeLessThanOrEqual(MAX_SCHEMA_ERROR_CHARS);
  });

  it('never cuts between the halves of a surrogate pair', () => {
    // 'payload: Unrecognized key: "' takes 28 code units: cut at 199, the bees' part ends in half a bee.
    const message = describeSchemaError(errorOf(z.strictObject({}), { ['🐝'.repeat(3000)]: 1 }));
    expect(message).toMatch(/^payload: Unrecognized key: "(?:🐝)+…$/u);
    expect(message).toHaveLength(MAX_SCHEMA_ISSUE_CHARS - 1);
  });
});
