import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { Runbook } from '../../engine/runbook.js';
import type { RunRequestInput, ServerChoice, SessionServices } from '../session/services.js';
import { tone } from '../common/theme.js';
import { FieldRow } from './field-row.js';
import { HostPicker } from './host-picker.js';
import { InstancePicker } from './instance-picker.js';
import { choiceLabel, runChoices, type RunChoice } from './run-mode.js';
import { useParamForm } from './use-param-form.js';
import { nextChoice } from './form-model.js';

type Focus = { kind: 'field'; key: string } | { kind: 'mode' } | { kind: 'scope' } | { kind: 'start' };

/** The parameters, the choice dry-run / test / full, the rehearsal target, and the start. */
export function RunForm(props: { runbook: Runbook; services: SessionServices; active: boolean; width: number; height: number; onStart: (request: RunRequestInput) => void }) {
  const { runbook, services, active, width, height } = props;
  const form = useParamForm(runbook);
  const choices = runChoices(runbook.testScope, services.readOnly);
  const [choice, setChoice] = useState<RunChoice>('dry-run');
  const [target, setTarget] = useState<{ ref: string; label: string } | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const focusList: Focus[] = [
    ...form.fields.map((f): Focus => ({ kind: 'field', key: f.key })),
    { kind: 'mode' },
    ...(choice === 'test' ? [{ kind: 'scope' } as Focus] : []),
    { kind: 'start' },
  ];
  const [focusIndex, setFocusIndex] = useState(0);
  const focus = focusList[Math.min(focusIndex, focusList.length - 1)];
  const move = (delta: number) => setFocusIndex((i) => (Math.min(i, focusList.length - 1) + delta + focusList.length) % focusList.length);

  const start = () => {
    const valid = form.attempt();
    if (!valid) return setProblem('fix the parameters marked ✗ first');
    if (choice === 'test' && !target) return setProblem(`choose the ${runbook.testScope} to test on first`);
    setProblem(undefined);
    props.onStart({ runbook: runbook.id, values: form.values, mode: choice === 'dry-run' ? 'dry-run' : 'live', testScope: choice === 'test' ? target?.ref : undefined });
  };

  useInput(
    (input, key) => {
      if (key.tab) return move(key.shift ? -1 : 1);
      if (focus.kind === 'scope') return; // the picker owns the arrows and enter
      if (key.downArrow) return move(1);
      if (key.upArrow) return move(-1);
      if (focus.kind === 'mode' && (key.leftArrow || key.rightArrow || input === ' ')) {
        const i = choices.indexOf(choice);
        return setChoice(choices[(i + (key.leftArrow ? -1 : 1) + choices.length) % choices.length]);
      }
      if (focus.kind === 'field') {
        const field = form.fields.find((f) => f.key === focus.key);
        if (field?.kind === 'toggle' && input === ' ') return form.set(field.key, form.values[field.key] !== true);
        if (field?.kind === 'toggle' && key.return) return start();
        if (field?.kind === 'choice' && (input === ' ' || key.leftArrow || key.rightArrow)) return form.set(field.key, nextChoice(field, form.values[field.key]) ?? '');
        if (field?.kind === 'choice' && key.return) return start();
        return;
      }
      if (key.return) start();
    },
    { isActive: active },
  );

  const labelWidth = Math.min(28, Math.max(...form.fields.map((f) => f.label.length), 8));
  const pick = (ref: string, label: string) => {
    setTarget({ ref, label });
    setFocusIndex(focusList.findIndex((f) => f.kind === 'start'));
  };
  // Long forms (failed-node has nine options) show a window around the focused row.
  const fieldRoom = Math.max(3, height - (choice === 'test' ? 13 : 5));
  const focusedField = focus.kind === 'field' ? form.fields.findIndex((f) => f.key === focus.key) : form.fields.length - 1;
  const first = Math.max(0, Math.min(focusedField - Math.floor(fieldRoom / 2), form.fields.length - fieldRoom));
  const shownFields = form.fields.slice(first, first + fieldRoom);
  return (
    <Box flexDirection="column">
      {form.fields.length === 0 ? <Text color={tone('gray')}>  no parameters</Text> : null}
      {first > 0 ? <Text color={tone('gray')}>  ↑ {first} more</Text> : null}
      {shownFields.map((field) => (
        <FieldRow
          key={field.key}
          field={field}
          value={form.values[field.key]}
          errors={form.shown(field.key)}
          focused={active && focus.kind === 'field' && focus.key === field.key}
          labelWidth={labelWidth}
          onChange={(v) => form.set(field.key, v)}
          onSubmit={start}
        />
      ))}
      {first + fieldRoom < form.fields.length ? <Text color={tone('gray')}>  ↓ {form.fields.length - first - fieldRoom} more</Text> : null}
      {form.generalShown.map((message, i) => (
        <Box key={i} marginLeft={2}>
          <Text color={tone('red')}>✗ {message}</Text>
        </Box>
      ))}
      <Text wrap="truncate" bold={focus.kind === 'mode'}>
        {focus.kind === 'mode' ? '› ' : '  '}
        {'mode: '}
        {choices.map((c) => `${c === choice ? '(•)' : '( )'} ${choiceLabel(c, runbook.testScope)}`).join('   ')}
      </Text>
      {services.readOnly ? (
        <Text wrap="truncate" color={tone('yellow')}>
          {'    read-only session: test and full runs are not offered (the engine refuses them, exit 3)'}
        </Text>
      ) : null}
      {choice === 'test' ? (
        <Box flexDirection="column" marginLeft={2}>
          <Text wrap="truncate" bold={focus.kind === 'scope'}>
            {focus.kind === 'scope' ? '› ' : ''}
            {runbook.testScope === 'host' ? 'host' : 'instance'}: {target ? target.label : 'none chosen (tab here, type to filter, enter to pick)'}
          </Text>
          {focus.kind === 'scope' && active ? (
            runbook.testScope === 'host' ? (
              <HostPicker services={services} active={active} onPick={(h) => pick(h, h)} />
            ) : (
              <InstancePicker services={services} active={active} width={width} order={runbook.id === 'drp' ? 'power-loss' : 'name'} onPick={(s: ServerChoice) => pick(s.id, `${s.name} (${s.id})`)} />
            )
          ) : null}
        </Box>
      ) : null}
      <Text wrap="truncate" bold={focus.kind === 'start'} inverse={focus.kind === 'start'} color={choice === 'full' ? tone('red') : undefined}>
        {focus.kind === 'start' ? '› ' : '  '}
        {`[ start ${choiceLabel(choice, runbook.testScope)}${choice === 'test' && target ? ` on ${target.label}` : ''} ]`}
      </Text>
      {problem && (!form.check.ok || (choice === 'test' && !target)) ? (
        <Text wrap="truncate" color={tone('red')}>
          {'  '}
          {problem}
        </Text>
      ) : null}
    </Box>
  );
}
