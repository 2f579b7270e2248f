import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

const COMPONENTS = join(import.meta.dirname, '../src/lib/components');
/**
 * Polite live regions: inserted with their text, some screen readers never read them. (An `alert` is read as it is
 * inserted: that is what it is for.)
 */
const LIVE_ROLES = new Set(['status', 'log']);

interface Node {
  readonly type?: string;
  readonly name?: string;
  readonly start?: number;
  readonly attributes?: readonly {
    readonly name?: string;
    readonly value?: true | readonly { readonly type?: string; readonly data?: string }[];
  }[];
  readonly [key: string]: unknown;
}

/** Whether the element has content of its own as it is created: anything but blank text and blocks (`{#if}`…). */
function filled(node: Node): boolean {
  const fragment = node['fragment'] as { readonly nodes?: readonly Node[] } | undefined;
  return (fragment?.nodes ?? []).some((child) =>
    child.type === 'Text' ? String(child['data']).trim() !== '' : !/Block$/.test(child.type ?? ''),
  );
}

/** The element's role attribute: its text, `(expression)` for a computed one, or undefined without one. */
function roleOf(node: Node): string | undefined {
  const role = node.attributes?.find((attribute) => attribute.name === 'role');
  if (!role) return undefined;
  if (!Array.isArray(role.value)) return role.value === true ? '' : '(expression)';
  const parts = role.value;
  return parts.every((part) => part.type === 'Text') ? parts.map((part) => part.data).join('') : '(expression)';
}

/**
 * Visits every node of a component's markup with whether a block (`{#if}`, `{#each}`, `{#await}`, `{#key}`, a
 * snippet) creates it, and its line.
 */
function walkMarkup(source: string, visit: (node: Node, inBlock: boolean, line: number) => void): void {
  const walk = (node: unknown, inBlock: boolean): void => {
    if (Array.isArray(node)) return node.forEach((child) => walk(child, inBlock));
    if (!node || typeof node !== 'object') return;
    const element = node as Node;
    visit(element, inBlock, source.slice(0, element.start).split('\n').length);
    const block = inBlock || /Block$/.test(element.type ?? '');
    for (const [key, child] of Object.entries(element))
      if (key !== 'attributes' && key !== 'metadata') walk(child, block);
  };
  walk(parse(source, { modern: true }).fragment, false);
}

/**
 * Every element with a polite live role (`status`, `log`, or a computed one) that a block creates with content of
 * its own: inserted with its text already in it, some screen readers never read it. A region must be in the page
 * from the start (or inserted empty), its text put in as it comes. Each as `<line> <element role=…>`.
 */
function regionsInsertedFilled(source: string): string[] {
  const found: string[] = [];
  walkMarkup(source, (element, inBlock, line) => {
    const role = element.type === 'RegularElement' ? roleOf(element) : undefined;
    if (inBlock && role !== undefined && (LIVE_ROLES.has(role) || role === '(expression)') && filled(element))
      found.push(`${line} <${element.name} role=${role}>`);
  });
  return found;
}

/** The components' sources, by file name. */
const components = (): [string, string][] =>
  readdirSync(COMPONENTS)
    .filter((file) => file.endsWith('.svelte'))
    .map((file) => [file, readFileSync(join(COMPONENTS, file), 'utf8')]);

describe('live regions', () => {
  it('are in the page from the start in every component, not inserted with their text', () => {
    expect(components().length).toBeGreaterThan(20);
    expect(
      components().flatMap(([file, source]) => regionsInsertedFilled(source).map((at) => `${file}:${at}`)),
    ).toEqual([]);
  });

  it('are not created with their text by a parent’s block: notices there are announced by the page’s own regions', () => {
    // `SignallingNotice` and `SeederGone` open with a live region whose text is there from the start when the screen
    // comes back after a restart; inside a parent's block (the projector, the swarm view), they are created with
    // it, and the page announces them from regions of its own (`announced={false}`).
    const announcedByParent = new Set(['SignallingNotice', 'SeederGone']);
    const found: string[] = [];
    for (const [file, source] of components())
      walkMarkup(source, (element, inBlock, line) => {
        if (element.type !== 'Component' || !inBlock || !announcedByParent.has(element.name ?? '')) return;
        if (!element.attributes?.some((attribute) => attribute.name === 'announced'))
          found.push(`${file}:${line} <${element.name}>`);
      });
    expect(found).toEqual([]);
  });

  it('finds a region inserted with its text (the check can fail)', () => {
    const regionsOf = (source: string) => regionsInsertedFilled(source).map((at) => at.replace(/^\d+ /, ''));
    expect(regionsOf('{#if x}<p role="status">Saved</p>{/if}')).toEqual(['<p role=status>']);
    expect(regionsOf('{#if x}<p role="alert">Refused</p>{/if}')).toEqual([]);
    expect(regionsOf('{#if x}<p role={tone}>{text}</p>{/if}')).toEqual(['<p role=(expression)>']);
    expect(regionsOf('<p role="status">{#if x}Saved{/if}</p>')).toEqual([]);
    // Inserted empty, by a block, then filled: read.
    expect(regionsOf('{#if y}<p role="status">{#if x}Saved{/if}</p>{/if}')).toEqual([]);
    expect(regionsOf('{#if y}<p role="status">{text}</p>{/if}')).toEqual(['<p role=status>']);
  });
});
