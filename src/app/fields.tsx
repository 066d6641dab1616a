import type { SettingSpec } from './settings';

type IntSpec = Extract<SettingSpec, { kind: 'int' }>;
type ChoiceSpec = Extract<SettingSpec, { kind: 'choice' }>;
type TextSpec = Extract<SettingSpec, { kind: 'text' }>;

/** A text input that only reports values matching the spec's pattern (others snap back). */
export function TextField({ spec, value, onChange }: { spec: TextSpec; value: string; onChange: (v: string) => void }) {
  const commit = (el: HTMLInputElement) => {
    const v = el.value.trim();
    if (!spec.pattern.test(v)) el.value = value;
    else if (v !== value) onChange(v);
  };
  return (
    <label title={spec.help}>
      {spec.label}
      <input defaultValue={value} key={value} onBlur={(e) => commit(e.currentTarget)} onKeyDown={(e) => e.key === 'Enter' && commit(e.currentTarget)} />
    </label>
  );
}

/** A whole-number input that only reports values inside the spec's range. */
export function IntField({ spec, value, onChange }: { spec: IntSpec; value: number; onChange: (v: number) => void }) {
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
    </label>
  );
  function commit(el: HTMLInputElement) {
    const v = Math.round(Number(el.value));
    if (!Number.isFinite(v)) {
      el.value = String(value);
      return;
    }
    const c = Math.min(spec.max, Math.max(spec.min, v));
    el.value = String(c);
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
