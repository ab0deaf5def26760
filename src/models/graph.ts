import { LAYERS, type Layer, type Model, relationsOf, type SourceLayer, type SqlModel } from './model.ts';
import { sourceLayerOf } from './sources.ts';
import { cteNamesOf } from './sql-text.ts';

/**
 * What each layer may read: data moves up one layer at a time (raw → staging → core → metrics), a
 * layer may also read its own models and the seeds, and the run's logs in `state/` are read only by
 * metrics and checks. Rule checks, audiences and the churn model's member-months (`queries/churn/`) read
 * core; quality checks may test any layer built from raw.
 * Examples are ad-hoc queries over whatever the lake holds, so they are not checked.
 */
export const READABLE: Record<Exclude<Layer, 'examples'>, readonly (Layer | SourceLayer)[]> = {
  staging: ['raw', 'staging', 'seed'],
  core: ['staging', 'core', 'seed'],
  metrics: ['core', 'metrics', 'seed', 'state'],
  rules: ['core', 'seed'],
  audiences: ['core', 'seed'],
  churn: ['core', 'seed'],
  quality: ['staging', 'core', 'metrics', 'seed', 'state'],
};

interface Relation {
  model: Model;
  layer: Layer | 'state';
  /** Its lake key, for a stored table: `core/customer_master`; undefined for a view. */
  key: string | undefined;
}

/**
 * Every model, SQL and TypeScript, in one dependency graph: a model depends on the models that build
 * the relations it reads. Models are kept in an order where each comes after what it reads.
 */
export class ModelGraph {
  readonly models: Model[];
  private readonly relations = new Map<string, Relation>();
  private readonly byId = new Map<string, Model>();

  constructor(models: Model[]) {
    for (const model of models) {
      if (this.byId.has(model.id)) throw new Error(`two models are named ${model.id}`);
      this.byId.set(model.id, model);
      for (const relation of relationsOf(model)) {
        const other = this.relations.get(relation);
        if (other)
          throw new Error(
            `${describe(model)} and ${describe(other.model)} both build the relation ${relation}`,
          );
        this.relations.set(relation, relationEntry(model, relation));
      }
    }
    this.models = order(models, (model) => this.upstream(model));
  }

  /** A model by its id (`core/customer_events`, `resolve`) or by the relation it builds. */
  model(idOrRelation: string): Model | undefined {
    return this.byId.get(idOrRelation) ?? this.relations.get(idOrRelation)?.model;
  }

  /** The model that builds a relation, its layer and lake key. */
  relation(name: string): Relation | undefined {
    return this.relations.get(name);
  }

  /** The layer a relation belongs to: the layer of the model building it, or raw, seed or state. */
  layerOf(relation: string): Layer | SourceLayer | undefined {
    return this.relations.get(relation)?.layer ?? sourceLayerOf(relation);
  }

  /** The models building what a model reads. */
  upstream(model: Model): Model[] {
    const found = new Set<Model>();
    for (const relation of model.reads) {
      const producer = this.relations.get(relation)?.model;
      if (producer && producer !== model) found.add(producer);
    }
    return [...found];
  }

  /** The models that build the given relations, and every model those read, down to raw. */
  withUpstream(relations: string[]): Model[] {
    const needed = new Set<Model>();
    const visit = (model: Model) => {
      if (needed.has(model)) return;
      needed.add(model);
      for (const dependency of this.upstream(model)) visit(dependency);
    };
    for (const relation of relations) {
      const model = this.model(relation);
      if (!model) throw new Error(`no model builds ${relation}`);
      visit(model);
    }
    return this.select((m) => needed.has(m));
  }

  /** The models that read any of the given relations, directly or through other models. */
  downstreamOf(relations: string[]): Model[] {
    const changed = new Set(relations);
    const found = new Set<Model>();
    for (const model of this.models) {
      if (!model.reads.some((r) => changed.has(r))) continue;
      found.add(model);
      for (const relation of relationsOf(model)) changed.add(relation);
    }
    return this.select((m) => found.has(m));
  }

  /** The chosen models, each after the models it reads. */
  select(predicate: (model: Model) => boolean): Model[] {
    return this.models.filter(predicate);
  }

  /**
   * What breaks the graph's rules: a relation read that nothing provides, a read across layers
   * (`READABLE`), a CTE named like a relation (it would hide that relation from its own model), a view
   * taking parameters, or an incremental model that does not read exactly one raw stream.
   */
  problems(): string[] {
    const problems: string[] = [];
    for (const model of this.models) {
      if (model.layer === 'examples') continue;
      const allowed = READABLE[model.layer];
      for (const relation of model.reads) {
        const layer = this.layerOf(relation);
        if (!layer) problems.push(`${describe(model)} reads ${relation}, which no model builds`);
        else if (!allowed.includes(layer))
          problems.push(
            `${describe(model)} (${model.layer}) reads ${relation} (${layer}); ${model.layer} reads only ${allowed.join(', ')}`,
          );
      }
      if (model.kind === 'sql') problems.push(...this.sqlProblems(model));
    }
    return problems;
  }

  /**
   * The input of a model incremental by a unique_key: the one relation it reads that an every-version
   * incremental model builds (the others are read whole, `keyed.ts`).
   */
  keyedInputOf(model: SqlModel): SqlModel | undefined {
    const [input] = model.reads.map((r) => this.keyedInput(r)).filter((m) => m !== undefined);
    return input;
  }

  private keyedInput(relation: string): SqlModel | undefined {
    const producer = this.relation(relation)?.model;
    return producer?.kind === 'sql' && producer.versions === 'all' ? producer : undefined;
  }

  private sqlProblems(model: SqlModel): string[] {
    const problems: string[] = [];
    for (const cte of cteNamesOf(model.sql))
      if (this.relations.has(cte) || sourceLayerOf(cte))
        problems.push(`${describe(model)} names a CTE ${cte}, which hides the relation of that name`);
    if (model.materialized === 'view' && model.parameters.length > 0)
      problems.push(
        `${describe(model)} is a view, so it takes no parameters (uses $${model.parameters.join(', $')})`,
      );
    if (model.uniqueKey) {
      const inputs = model.reads.filter((r) => this.keyedInput(r));
      if (inputs.length !== 1 || model.reads.some((r) => sourceLayerOf(r) === 'raw'))
        problems.push(
          `${describe(model)} is incremental by a unique_key, so it reads exactly one every-version incremental model (versions: all) and no raw stream (reads ${model.reads.join(', ')})`,
        );
    } else if (model.materialized === 'incremental') {
      const raw = model.reads.filter((r) => sourceLayerOf(r) === 'raw');
      const other = model.reads.filter((r) => sourceLayerOf(r) !== 'raw' && sourceLayerOf(r) !== 'seed');
      if (raw.length !== 1 || other.length > 0)
        problems.push(
          `${describe(model)} is incremental, so it reads exactly one raw stream and no model (reads ${model.reads.join(', ')})`,
        );
    }
    return problems;
  }
}

function relationEntry(model: Model, relation: string): Relation {
  if (model.kind === 'typescript') {
    const key = model.writes.find((k) => k.split('/').at(-1) === relation)!;
    return { model, layer: key.startsWith('state/') ? 'state' : model.layer, key };
  }
  return {
    model,
    layer: model.layer,
    key: model.materialized === 'view' ? undefined : `${model.layer}/${model.name}`,
  };
}

export function describe(model: Model): string {
  return model.kind === 'sql' ? `queries/${model.id}.sql` : `the ${model.name} step (${model.id})`;
}

/** Orders models so each comes after those it reads; a cycle is an error naming its models. */
function order(models: Model[], upstream: (model: Model) => Model[]): Model[] {
  const ordered: Model[] = [];
  const state = new Map<Model, 'visiting' | 'done'>();
  const visit = (model: Model, trail: string[]) => {
    if (state.get(model) === 'done') return;
    if (state.get(model) === 'visiting')
      throw new Error(`models read each other in a cycle: ${[...trail, model.name].join(' → ')}`);
    state.set(model, 'visiting');
    for (const dependency of upstream(model).sort((a, b) => a.id.localeCompare(b.id)))
      visit(dependency, [...trail, model.name]);
    state.set(model, 'done');
    ordered.push(model);
  };
  // Layer by layer, then by id, so the order reads bottom up and is the same on every machine.
  const rank = (model: Model) => LAYERS.indexOf(model.layer);
  for (const model of [...models].sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id)))
    visit(model, []);
  return ordered;
}
