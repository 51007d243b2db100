// A run record as the report model, its params named by the runbook's own flags.
import { findEntry } from '../../../runbooks/index.js';
import type { EngineEvent } from '../../engine/events.js';
import type { RunRecord } from '../../engine/run-record.js';
import { buildReportModel, type ReportModel } from './report-model.js';

export function reportModelOf(record: Pick<RunRecord, 'runId' | 'events'> & Partial<Pick<RunRecord, 'artifacts' | 'damaged'>>): ReportModel {
  const start = record.events.find((e): e is Extract<EngineEvent, { type: 'run.start' }> => e.type === 'run.start');
  const entry = start ? findEntry(start.runbook) : undefined;
  return buildReportModel({
    runId: record.runId,
    events: record.events,
    artifacts: record.artifacts,
    damagedLines: record.damaged?.length ?? 0,
    options: entry?.options,
    arguments: entry?.arguments,
  });
}
