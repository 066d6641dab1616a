import { useState } from 'react';
import { SCHEDULE_NAMES } from '../engine/train/schedule';
import type { Field } from '../engine/spec/fields';
/** What a field component needs of a setting (the engine's experiment fields and the views' own tables both fit). */
type IntSpec = { label: string; help: string; min: number; max: number };
type ChoiceSpec = { label: string; help: string; choices: readonly string[] };
type TextSpec = { label: string; help: string; pattern: RegExp; check?: (v: string) => boolean | string; expect?: string };

/** A text input that only reports values matching the spec's pattern and check (others snap back, saying why). */
export function TextField({ spec, value, onChange, placeholder }: { spec: TextSpec; value: string; onChange: (v: string) => void; placeholder?: string }) {
  const [note, setNote] = useState<string | null>(null);
  const commit = (el: HTMLInputElement) => {
    const v = el.value.trim();
    const checked = spec.pattern.test(v) ? (spec.check?.(v) ?? true) : false;
    if (checked !== true) {
      el.value = value;
      const why = typeof checked === 'string' ? checked : spec.expect ? `it must be ${spec.expect}` : 'not a valid value';
      setNote(`${spec.label}: '${v.slice(0, 40)}' not taken (${why}); kept ${value}`);
      return;
    }
    setNote(null);
    if (v !== value) onChange(v);
  };
  return (
    <label title={spec.help}>
      {spec.label}
      <input defaultValue={value} key={value} aria-invalid={note !== null} size={Math.max(6, Math.min(24, value.length + 2))} placeholder={placeholder} onBlur={(e) => commit(e.currentTarget)} onKeyDown={(e) => e.key === 'Enter' && commit(e.currentTarget)} />
      {note && <FieldNote text={note} />}
    </label>
  );
}

/** Why a typed value was not taken as it was (shown under the field until the next accepted value). */
function FieldNote({ text }: { text: string }) {
  return (
    <span className="field-note" role="alert" data-testid="field-note">
      {text}
    </span>
  );
}

/** A whole-number input that only reports values inside the spec's range. */
export function IntField({ spec, value, onChange }: { spec: IntSpec; value: number; onChange: (v: number) => void }) {
  const [note, setNote] = useState<string | null>(null);
  return (
    <label title={spec.help}>
      {spec.label}
      <input
        type="number"
        min={spec.min}
        max={spec.max}
        step={1}
        defaultValue={value}
        key={value}
        onBlur={(e) => commit(e.currentTarget)}
        onKeyDown={(e) => e.key === 'Enter' && commit(e.currentTarget)}
      />
      {note && <FieldNote text={note} />}
    </label>
  );
  function commit(el: HTMLInputElement) {
    const typed = el.value.trim();
    const v = Math.round(Number(typed));
    if (typed === '' || !Number.isFinite(v)) {
      el.value = String(value);
      setNote(`${spec.label}: '${typed.slice(0, 40)}' is not a whole number; kept ${value}`);
      return;
    }
    const c = Math.min(spec.max, Math.max(spec.min, v));
    el.value = String(c);
    setNote(c !== v ? `${spec.label}: ${v} is outside [${spec.min}, ${spec.max}]; using ${c}` : null);
    if (c !== value) onChange(c);
  }
}

export function ChoiceField({ spec, value, onChange }: { spec: ChoiceSpec; value: string; onChange: (v: string) => void }) {
  return (
    <label title={spec.help}>
      {spec.label}
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {spec.choices.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Notices({ notices }: { notices: string[] }) {
  if (notices.length === 0) return null;
  return (
    <div className="notice" role="status" data-testid="url-notice">
      Some settings in the link were not valid and were replaced:
      <ul>
        {notices.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </div>
  );
}

/** The `pinn train` command that reproduces the view's settings, with a copy button. */
export function CommandLine({ command }: { command: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <p className="meta command" title="The same experiment from the command line (npm run pinn -- train ...): every setting here is a field of one spec shared by the link and the CLI.">
      Command line: <code data-testid="cli-command">{command}</code>{' '}
      <button
        onClick={() => {
          void navigator.clipboard?.writeText(command).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </p>
  );
}

/** The learning-rate schedule by name; a link's parametrised one (linear:0.2) is kept as an extra choice. */
export function ScheduleField({ spec, value, onChange }: { spec: { label: string; help: string }; value: string; onChange: (v: string) => void }) {
  const names: readonly string[] = SCHEDULE_NAMES;
  return <ChoiceField spec={{ label: spec.label, help: spec.help, choices: names.includes(value) ? names : [...names, value] }} value={value} onChange={onChange} />;
}

/** Any setting of the spec, by its kind (a derivative method's own settings are rendered this way). */
export function SettingField({ spec, value, onChange }: { spec: Field; value: string | number; onChange: (v: string | number) => void }) {
  if (spec.kind === 'int') return <IntField spec={spec} value={Number(value)} onChange={onChange} />;
  if (spec.kind === 'choice') return <ChoiceField spec={spec} value={String(value)} onChange={onChange} />;
  return <TextField spec={spec} value={String(value)} onChange={onChange} />;
}
