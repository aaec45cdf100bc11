// Checks shared by the message catalogues of the console and the two mobile
// apps: every key the source asks for exists, in every locale.

/** A message catalogue: nested objects of strings. */
export type Tree = { [key: string]: string | Tree }

/** Every key of a catalogue, dotted. */
export function keysOf(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keysOf(v, `${prefix}${k}.`)))
}

/** The message at a dotted key, or undefined when there is none. */
export function lookup(tree: Tree, key: string): string | undefined {
  let node: string | Tree | undefined = tree
  for (const part of key.split('.')) {
    if (typeof node !== 'object') return undefined
    node = node[part]
  }
  return typeof node === 'string' ? node : undefined
}

/**
 * The literal keys the sources pass to t('…') (and, with labels, in
 * `label: '…'` entries that are translated later). Sources come from an
 * import.meta.glob with `?raw`, which each test must write out itself.
 */
export function keysUsed(sources: Record<string, string>, { labels = false } = {}): Set<string> {
  const used = new Set<string>()
  for (const text of Object.values(sources)) {
    for (const m of text.matchAll(/\bt\(\s*'([\w.]+)'/g)) used.add(m[1]!)
    if (labels) for (const m of text.matchAll(/\blabel: '(\w+\.[\w.]+)'/g)) used.add(m[1]!)
  }
  return used
}
