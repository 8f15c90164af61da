import { writeFile } from 'node:fs/promises';
import type { LoadTestReport } from './report.js';
import { contractReportSchema } from './report-schema.js';

/** Validates against the contract before writing, so a malformed report fails the run instead of a dashboard. */
export async function writeJsonReport(file: string, report: LoadTestReport): Promise<void> {
  contractReportSchema.parse(report);
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
}
