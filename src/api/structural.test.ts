import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { withRules } from './common.ts';
import { re2Problem, SchemaError, structuralProblems, toStructural, type StructuralSchema } from './structural.ts';

describe('re2Problem', () => {
  const cases: { reason: string; pattern: string; problem?: RegExp }[] = [
    { reason: 'a DNS label is plain RE2', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    { reason: 'non-capturing groups exist in RE2', pattern: '^(?:a|b)+$' },
    { reason: 'named groups exist in RE2 (Go 1.22+)', pattern: '(?<year>\\d{4})' },
    { reason: 'Go-style named groups', pattern: '(?P<year>\\d{4})' },
    { reason: 'inline flags exist in RE2', pattern: '(?i)abc' },
    { reason: 'an escaped parenthesis is a literal', pattern: '\\(?abc\\)?' },
    { reason: 'inside a class, (?! is three literals', pattern: '[(?!]+' },
    { reason: 'a thousand repeats is the limit, not over it', pattern: 'a{2,1000}' },
    { reason: 'lookaheads do not exist in RE2', pattern: '^(?!xn--)[a-z]+$', problem: /lookahead/ },
    { reason: 'negative lookaheads after an anchor neither', pattern: '^a(?=b)', problem: /lookahead/ },
    { reason: 'lookbehinds do not exist in RE2', pattern: '(?<!x)y', problem: /lookbehind/ },
    { reason: 'backreferences do not exist in RE2', pattern: '(a)\\1', problem: /backreference/ },
    { reason: 'named backreferences neither', pattern: '(?<a>x)\\k<a>', problem: /backreference/ },
    { reason: 'RE2 writes \\x{…}, not \\u', pattern: '\\u00e9', problem: /\\u/ },
    { reason: '\\u inside a class is no better', pattern: '[\\u0041-\\u005a]', problem: /\\u/ },
    { reason: 'RE2 refuses repeat counts over 1000', pattern: 'a{1001}', problem: /1000/ },
    { reason: 'an empty class means nothing in JS and something else in RE2', pattern: '[]a]', problem: /empty character class/ },
  ];
  for (const { reason, pattern, problem } of cases) {
    it(`${problem ? 'refuses' : 'accepts'} ${pattern}: ${reason}`, () => {
      const found = re2Problem(pattern);
      if (problem) assert.match(found ?? '(none)', problem);
      else assert.equal(found, undefined);
    });
  }
});

describe('toStructural', () => {
  const cases: { reason: string; schema: z.ZodType; expect: StructuralSchema }[] = [
    { reason: 'nullable becomes the OpenAPI flag, not a type list', schema: z.string().max(3).nullable(), expect: { maxLength: 3, nullable: true, type: 'string' } },
    { reason: 'a union of literals is one enum', schema: z.union([z.literal('a'), z.literal('b')]), expect: { enum: ['a', 'b'], type: 'string' } },
    { reason: 'const is not in OpenAPI v3', schema: z.literal('only'), expect: { enum: ['only'], type: 'string' } },
    { reason: 'exclusive bounds are flags in OpenAPI v3', schema: z.number().positive(), expect: { exclusiveMinimum: true, minimum: 0, type: 'number' } },
    { reason: 'the stricter of two lower bounds wins', schema: z.number().gt(1).min(5), expect: { minimum: 5, type: 'number' } },
    { reason: 'zod’s safe-integer bounds say nothing', schema: z.number().int(), expect: { type: 'integer' } },
    { reason: 'date-times are the apiserver’s format, without zod’s pattern', schema: z.iso.datetime(), expect: { format: 'date-time', type: 'string' } },
    {
      reason: 'two patterns are an allOf of patterns',
      schema: z.string().max(9).regex(/^a/).regex(/b$/),
      expect: { allOf: [{ pattern: '^a' }, { pattern: 'b$' }], maxLength: 9, type: 'string' },
    },
    {
      reason: 'record key limits become CEL rules, propertyNames goes',
      schema: z.record(z.string().min(2).max(5), z.string().max(1)).meta({ maxProperties: 3 }),
      expect: {
        additionalProperties: { maxLength: 1, type: 'string' },
        maxProperties: 3,
        type: 'object',
        'x-kubernetes-validations': [
          { message: 'keys must be at least 2 characters long', rule: 'self.all(k, size(k) >= 2)' },
          { message: 'keys must be at most 5 characters long', rule: 'self.all(k, size(k) <= 5)' },
        ],
      },
    },
    {
      reason: 'a loose object keeps unknown fields instead of additionalProperties beside properties',
      schema: z.looseObject({ a: z.string() }),
      expect: { properties: { a: { type: 'string' } }, required: ['a'], type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    { reason: 'a strict object says nothing pruning does not', schema: z.strictObject({ a: z.boolean().optional() }), expect: { properties: { a: { type: 'boolean' } }, type: 'object' } },
    {
      reason: 'fields with defaults are not required, the default is kept',
      schema: z.object({ a: z.string().default('x'), b: z.string() }),
      expect: { properties: { a: { default: 'x', type: 'string' }, b: { type: 'string' } }, required: ['b'], type: 'object' },
    },
    {
      reason: 'an unknown value keeps whatever it gets (and is required, as zod requires the key)',
      schema: z.object({ a: z.unknown() }),
      expect: { properties: { a: { 'x-kubernetes-preserve-unknown-fields': true } }, required: ['a'], type: 'object' },
    },
    {
      reason: 'rules on a schema survive .optional() and later rules add to them',
      schema: z.object({ a: withRules(withRules(z.string().max(3), [{ rule: 'self != "x"', message: 'm1' }]), [{ rule: 'self == oldSelf', message: 'm2' }]).optional() }),
      expect: {
        properties: { a: { maxLength: 3, type: 'string', 'x-kubernetes-validations': [{ message: 'm1', rule: 'self != "x"' }, { message: 'm2', rule: 'self == oldSelf' }] } },
        type: 'object',
      },
    },
  ];
  for (const { reason, schema, expect } of cases) {
    it(reason, () => assert.deepEqual(toStructural(schema), expect));
  }

  const refused: { reason: string; schema: z.ZodType; message: RegExp }[] = [
    { reason: 'a union of shapes has no structural form', schema: z.object({ u: z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]) }), message: /^\.u: a union of shapes/ },
    { reason: 'a lookahead would not compile in the apiserver', schema: z.object({ n: z.string().regex(/^(?!x)/) }), message: /^\.n: pattern .*lookahead/ },
    { reason: 'regex flags are lost in JSON Schema', schema: z.object({ n: z.string().regex(/abc/i) }), message: /flags are lost/ },
    { reason: 'tuples have no structural form', schema: z.tuple([z.string()]), message: /tuples/ },
    { reason: 'a catchall beside properties is not structural', schema: z.object({ a: z.string() }).catchall(z.string()), message: /catchall/ },
    { reason: 'formats the apiserver does not know are not silently dropped', schema: z.object({ id: z.cuid() }), message: /^\.id: format cuid/ },
    { reason: 'key patterns are too costly to carry over blindly', schema: z.record(z.string().regex(/^a/), z.string()), message: /map keys constrained by pattern/ },
  ];
  for (const { reason, schema, message } of refused) {
    it(`refuses: ${reason}`, () => {
      assert.throws(() => toStructural(schema), (err: unknown) => err instanceof SchemaError && message.test(err.message));
    });
  }
});

describe('structuralProblems', () => {
  const ok: StructuralSchema = { type: 'object', properties: { a: { type: 'string', maxLength: 3 } }, 'x-kubernetes-validations': [{ rule: 'self.a != "x"', message: 'm' }] };
  it('finds nothing in a fine schema', () => assert.deepEqual(structuralProblems(ok), []));

  const cases: { reason: string; schema: StructuralSchema; problem: RegExp }[] = [
    { reason: 'every node needs a type', schema: { type: 'object', properties: { a: {} } }, problem: /^\.a: has no type/ },
    { reason: 'properties and additionalProperties exclude each other', schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }, problem: /both properties and additionalProperties/ },
    { reason: 'patterns must be RE2', schema: { type: 'string', pattern: '^(?!a)' }, problem: /lookahead/ },
    { reason: 'OpenAPI v3 exclusive bounds are booleans', schema: { type: 'number', exclusiveMinimum: 0 as unknown as boolean }, problem: /exclusiveMinimum must be a boolean/ },
    { reason: 'JSON Schema keywords the apiserver does not have', schema: { type: 'string', const: 'a' } as StructuralSchema, problem: /const is not allowed/ },
    { reason: 'junctors carry value validations only', schema: { type: 'string', anyOf: [{ type: 'string' }] }, problem: /anyOf\[0\]: type is not allowed/ },
    {
      reason: 'oldSelf cannot be paired up inside an atomic list',
      schema: { type: 'array', maxItems: 1, items: { type: 'object', properties: {}, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'm' }] } },
      problem: /^\[\]: rule 0 reads oldSelf/,
    },
    {
      reason: 'strings under a rule need a bound for the cost estimator',
      schema: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'has(self.a)', message: 'm' }] },
      problem: /^\.a: a string under a CEL rule needs maxLength/,
    },
    {
      reason: 'lists under a rule need maxItems',
      schema: { type: 'array', items: { type: 'boolean' }, 'x-kubernetes-validations': [{ rule: 'size(self) > 0', message: 'm' }] },
      problem: /needs maxItems/,
    },
    {
      reason: 'maps under a rule need maxProperties',
      schema: { type: 'object', additionalProperties: { type: 'boolean' }, 'x-kubernetes-validations': [{ rule: 'size(self) > 0', message: 'm' }] },
      problem: /needs maxProperties/,
    },
    {
      reason: 'list map keys must always be there',
      schema: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'], items: { type: 'object', properties: { id: { type: 'string' } } } },
      problem: /list map key id must be required or have a default/,
    },
    { reason: 'messages are one line', schema: { type: 'boolean', 'x-kubernetes-validations': [{ rule: 'self', message: 'a\nb' }] }, problem: /line break/ },
  ];
  it('asks bounds only of what a rule reads when it names the fields (root rules on metadata.name and one spec field)', () => {
    const schema: StructuralSchema = {
      type: 'object',
      properties: {
        metadata: { type: 'object' },
        spec: { type: 'object', properties: { externalName: { type: 'string', maxLength: 63 }, free: { type: 'string' }, list: { type: 'array', items: { type: 'string' } } } },
      },
      'x-kubernetes-validations': [{ rule: "oldSelf.hasValue() || has(self.spec.externalName) || !self.metadata.name.startsWith('x')", message: 'm', optionalOldSelf: true }],
    };
    assert.deepEqual(structuralProblems(schema), []);
    const reads = structuredClone(schema);
    reads['x-kubernetes-validations']![0]!.rule = 'self.spec.free != "x"';
    assert.deepEqual(structuralProblems(reads), ['.spec.free: a string under a CEL rule needs maxLength']);
    const whole = structuredClone(schema);
    whole['x-kubernetes-validations']![0]!.rule = 'self.spec.all(k, k != "x")';
    assert.deepEqual(structuralProblems(whole), ['.spec.free: a string under a CEL rule needs maxLength', '.spec.list: a list under a CEL rule needs maxItems', '.spec.list[]: a string under a CEL rule needs maxLength']);
  });

  for (const { reason, schema, problem } of cases) {
    it(`finds: ${reason}`, () => {
      const problems = structuralProblems(schema);
      assert.ok(problems.some((p) => problem.test(p)), `no problem matching ${String(problem)} in ${JSON.stringify(problems)}`);
    });
  }
});
