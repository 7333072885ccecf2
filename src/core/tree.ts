/**
 * Trees ("pytrees"): nested arrays and plain objects whose leaves are values of one kind
 * (symbolic tensors, host tensors, shape specs). Object keys are visited in sorted order, so the
 * flattening of a parameter tree is deterministic.
 */
export type Tree<L> = L | readonly Tree<L>[] | { readonly [k: string]: Tree<L> };

export type TreeDef =
  | { kind: 'leaf' }
  | { kind: 'array'; children: TreeDef[] }
  | { kind: 'object'; keys: string[]; children: TreeDef[] };

export function flattenTree<L>(tree: Tree<L>, isLeaf: (x: unknown) => x is L): { leaves: L[]; def: TreeDef; paths: string[] } {
  const leaves: L[] = [];
  const paths: string[] = [];
  const walk = (t: unknown, path: string): TreeDef => {
    if (isLeaf(t)) {
      leaves.push(t);
      paths.push(path);
      return { kind: 'leaf' };
    }
    if (Array.isArray(t)) return { kind: 'array', children: t.map((c, i) => walk(c, path ? `${path}.${i}` : `${i}`)) };
    if (t !== null && typeof t === 'object') {
      const keys = Object.keys(t).sort();
      return { kind: 'object', keys, children: keys.map((k) => walk((t as Record<string, unknown>)[k], path ? `${path}.${k}` : k)) };
    }
    throw new TypeError(`tree: unexpected leaf of type ${typeof t} at '${path}'`);
  };
  const def = walk(tree, '');
  return { leaves, def, paths };
}

export function unflattenTree<L>(def: TreeDef, leaves: readonly L[]): Tree<L> {
  let i = 0;
  const build = (d: TreeDef): Tree<L> => {
    if (d.kind === 'leaf') return leaves[i++]!;
    if (d.kind === 'array') return d.children.map(build);
    const o: Record<string, Tree<L>> = {};
    d.keys.forEach((k, j) => (o[k] = build(d.children[j]!)));
    return o;
  };
  const out = build(def);
  if (i !== leaves.length) throw new TypeError(`tree: ${leaves.length} leaves given, structure has ${i}`);
  return out;
}

export function treeDefKey(def: TreeDef): string {
  if (def.kind === 'leaf') return '*';
  if (def.kind === 'array') return `[${def.children.map(treeDefKey).join(',')}]`;
  return `{${def.keys.map((k, j) => `${JSON.stringify(k)}:${treeDefKey(def.children[j]!)}`).join(',')}}`;
}
