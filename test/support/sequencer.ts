import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** What a test file imports when it spends its time waiting on another process. */
const waitsOnAnotherProcess = [/support\/daily-process\.ts'/, /support\/demo-lake\.ts'/];

/**
 * Vitest's order, except that the files which spawn the daily run, then those which wait on the shared
 * demo lake, go first: started last (a clean clone sorts by file size), the longest of them ran alone
 * at the end while the other worker had nothing left to do, and the lake's build started late.
 */
export class SpawnsFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const source = readFileSync(file.moduleId, 'utf8');
      const index = waitsOnAnotherProcess.findIndex((pattern) => pattern.test(source));
      return index === -1 ? waitsOnAnotherProcess.length : index;
    };
    const ranks = new Map(sorted.map((file) => [file, rank(file)]));
    return sorted.sort((a, b) => ranks.get(a)! - ranks.get(b)!);
  }
}
