import { useMemo, useState } from 'react';
import type { Runbook } from '../../engine/runbook.js';
import { checkForm, fieldsOf, type FormCheck, type FormField, type FormValues } from './form-model.js';

export interface ParamForm {
  fields: FormField[];
  values: FormValues;
  check: FormCheck;
  /** Errors are shown for fields the operator touched, and for all of them after a start was tried. */
  shown(key: string): string[];
  generalShown: string[];
  set(key: string, value: string | boolean): void;
  /** A start was tried: every error shows from now on. */
  attempt(): boolean;
}

/** The form's values, validated by the runbook's schema on every keystroke. */
export function useParamForm(runbook: Runbook): ParamForm {
  const fields = useMemo(() => fieldsOf(runbook), [runbook]);
  const [values, setValues] = useState<FormValues>({});
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const check = useMemo(() => checkForm(runbook, fields, values), [runbook, fields, values]);
  return {
    fields,
    values,
    check,
    shown: (key) => (attempted || touched.has(key) ? (check.byField[key] ?? []) : []),
    generalShown: attempted || touched.size > 0 ? check.general : [],
    set(key, value) {
      setValues((v) => ({ ...v, [key]: value }));
      setTouched((t) => new Set(t).add(key));
    },
    attempt() {
      setAttempted(true);
      return check.ok;
    },
  };
}
