import type { Command } from 'commander';
import { parseDateOption } from '../date-options.ts';
import { CliError, ExitCode } from '../errors.ts';
import type { ModelGraph } from '../models/graph.ts';
import { type Model, relationsOf } from '../models/model.ts';
import { loadModelGraph, openRunner } from '../pipeline/model-graph.ts';
import { openContext } from './context.ts';
import { formatTable } from './format.ts';

/**
 * The models a selection names: a model's id (`core/transactions`, `resolve`), the relation it
 * builds (`transactions`), or a folder of `queries/` (`staging`, `staging/stripe`); with `upstream`,
 * also every model those read. No selection is every model.
 */
export function selectModels(graph: ModelGraph, selectors: string[], upstream = false): Model[] {
  if (selectors.length === 0) return graph.models;
  const chosen = new Set<Model>();
  for (const selector of selectors) {
    const exact = graph.model(selector);
    const matched = exact ? [exact] : graph.select((m) => m.id.startsWith(`${selector.replace(/\/$/, '')}/`));
    if (matched.length === 0)
      throw new CliError(
        `no model or folder of queries/ is named ${selector} (see \`models\`)`,
        ExitCode.usage,
      );
    for (const model of matched) chosen.add(model);
  }
  if (upstream) for (const model of graph.withUpstream([...chosen].map((m) => m.id))) chosen.add(model);
  return graph.select((m) => chosen.has(m));
}

export function registerModelCommands(program: Command): void {
  program
    .command('models')
    .description('list the model graph in build order: each model, its layer, how it is built, what it reads')
    .argument('[selectors...]', 'model ids, relation names or folders of queries/ (default: all)')
    .action(async (selectors: string[]) => {
      const graph = await loadModelGraph();
      console.log(
        formatTable(
          selectModels(graph, selectors).map((m) => ({
            model: m.id,
            layer: m.layer,
            built: m.kind === 'typescript' ? 'typescript' : m.materialized,
            reads: m.reads.join(', '),
            builds: relationsOf(m).join(', '),
          })),
        ),
      );
    });

  program
    .command('build')
    .description(
      'build models of the graph in dependency order (tables, views, incremental staging, TypeScript steps)',
    )
    .argument('[selectors...]', 'model ids, relation names or folders of queries/ (default: every model)')
    .option('--upstream', 'also build every model the chosen ones read')
    .option('--dry-run', 'print each chosen model and its SQL in build order, and build nothing')
    .option('--as-of <YYYY-MM-DD>', 'the day TypeScript steps (rules, resolve) run at (default today)')
    .action(async (selectors: string[], options: { upstream?: boolean; dryRun?: boolean; asOf?: string }) => {
      if (options.asOf !== undefined) parseDateOption('--as-of', options.asOf);
      const graph = await loadModelGraph();
      const models = selectModels(graph, selectors, options.upstream).filter(
        (m) => m.kind === 'typescript' || m.materialized !== 'query',
      );
      if (options.dryRun) {
        for (const m of models)
          console.log(
            `-- ${m.id} (${m.kind === 'typescript' ? 'typescript' : m.materialized})\n${m.kind === 'sql' ? m.sql.trim() : `-- ${m.description}`}\n`,
          );
        return;
      }
      const ctx = await openContext();
      try {
        const now = new Date();
        const runner = await openRunner(ctx.db, {
          vars: { time_zone: ctx.config.timeZone, window_days: ctx.config.offerWindowDays },
          config: ctx.config,
          asOf: options.asOf ? new Date(`${options.asOf}T23:59:59Z`) : now,
          now,
        });
        await runner.build(models, (built) =>
          console.log(
            `${built.id}: ${built.mode}${built.rawParts !== undefined ? `, ${built.rawParts} raw parts` : ''}${built.keys !== undefined ? `, ${built.keys} keys` : ''}, ${built.rows} rows, ${built.seconds.toFixed(1)} s`,
          ),
        );
      } finally {
        ctx.close();
      }
    });
}
