/**
 * The guard against chaining. Links are applied strongest first (one source account, then exact
 * rules, then the model by probability), and a link is refused when it would put into one customer
 * two profiles that must not be one (a cannot-link: different birth dates, different first names,
 * Jr and Sr). A cluster held together only by weak links across such a conflict thus splits at its
 * weakest links. Before that, a profile linked as strongly to two profiles that must not be one
 * (a card "Liv Owens" with the mother's and the daughter's shared phone, a father and son of one
 * name) is ambiguous: both links are refused rather than one picked. Source-account links are never
 * refused: an account belongs to one person.
 */
export interface GuardEdge {
  a: number;
  b: number;
  /** 3 = one source account (always applied), 2 = exact rule, 1 = model. */
  strength: number;
  probability: number;
}

/** A refused link and the cannot-link pair it would have put into one customer (for `explain`). */
export interface RefusedEdge extends GuardEdge {
  against: readonly [number, number];
}

export interface GuardResult {
  /** Node → its cluster's smallest node. */
  labels: Map<number, number>;
  refused: RefusedEdge[];
}

export function constrainedUnion(
  nodes: readonly number[],
  edges: readonly GuardEdge[],
  cannotLinks: readonly (readonly [number, number])[],
): GuardResult {
  const parent = new Map<number, number>(nodes.map((n) => [n, n]));
  const members = new Map<number, number[]>(nodes.map((n) => [n, [n]]));
  const forbidden = new Map<number, Set<number>>(nodes.map((n) => [n, new Set<number>()]));
  for (const [a, b] of cannotLinks) {
    forbidden.get(a)?.add(b);
    forbidden.get(b)?.add(a);
  }
  const find = (x: number): number => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    let node = x;
    while (node !== root) {
      const next = parent.get(node)!;
      parent.set(node, root);
      node = next;
    }
    return root;
  };

  // Each node's own cannot-links, kept apart from the merged sets to name the pair a refusal was for.
  const own = new Map<number, number[]>();
  for (const [a, b] of cannotLinks) {
    own.set(a, [...(own.get(a) ?? []), b]);
    own.set(b, [...(own.get(b) ?? []), a]);
  }
  const cannot = new Set(cannotLinks.map(([a, b]) => pairKey(a, b)));
  const ambiguous = ambiguousEdges(edges, cannot);
  const refused: RefusedEdge[] = edges.flatMap((e) => {
    const against = ambiguous.get(e);
    return against ? [{ ...e, against }] : [];
  });
  const ordered = edges
    .filter((e) => !ambiguous.has(e))
    .sort(
      (x, y) =>
        y.strength - x.strength ||
        y.probability - x.probability ||
        Math.min(x.a, x.b) - Math.min(y.a, y.b) ||
        Math.max(x.a, x.b) - Math.max(y.a, y.b),
    );
  for (const edge of ordered) {
    const ra = find(edge.a);
    const rb = find(edge.b);
    if (ra === rb) continue;
    const [big, small] = members.get(ra)!.length >= members.get(rb)!.length ? [ra, rb] : [rb, ra];
    const bigForbidden = forbidden.get(big)!;
    const blocked = edge.strength < 3 ? members.get(small)!.find((n) => bigForbidden.has(n)) : undefined;
    if (blocked !== undefined) {
      const partners = new Set(own.get(blocked) ?? []);
      const partner = members.get(big)!.find((n) => partners.has(n))!;
      refused.push({ ...edge, against: [Math.min(blocked, partner), Math.max(blocked, partner)] });
      continue;
    }
    parent.set(small, big);
    members.get(big)!.push(...members.get(small)!);
    for (const n of forbidden.get(small)!) bigForbidden.add(n);
    members.delete(small);
    forbidden.delete(small);
  }

  const labels = new Map<number, number>();
  for (const list of members.values()) {
    const label = list.reduce((a, b) => Math.min(a, b));
    for (const n of list) labels.set(n, label);
  }
  return { labels, refused };
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/**
 * Links of equal strength from one profile to two profiles that must not be one, each with that
 * pair of profiles.
 */
function ambiguousEdges(
  edges: readonly GuardEdge[],
  cannot: ReadonlySet<string>,
): Map<GuardEdge, readonly [number, number]> {
  const byNode = new Map<number, GuardEdge[]>();
  for (const edge of edges) {
    if (edge.strength >= 3) continue;
    for (const node of [edge.a, edge.b]) {
      const list = byNode.get(node) ?? [];
      list.push(edge);
      byNode.set(node, list);
    }
  }
  const ambiguous = new Map<GuardEdge, readonly [number, number]>();
  for (const [node, list] of byNode) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const x = list[i]!;
        const y = list[j]!;
        if (x.strength !== y.strength) continue;
        const other = (e: GuardEdge) => (e.a === node ? e.b : e.a);
        if (cannot.has(pairKey(other(x), other(y)))) {
          const pair = [Math.min(other(x), other(y)), Math.max(other(x), other(y))] as const;
          for (const e of [x, y]) {
            // An edge ambiguous over several pairs names the smallest, whatever order the edges came in.
            const named = ambiguous.get(e);
            if (!named || pair[0] < named[0] || (pair[0] === named[0] && pair[1] < named[1]))
              ambiguous.set(e, pair);
          }
        }
      }
    }
  }
  return ambiguous;
}
