import { useEffect, useState } from 'react';
import { Button } from './forms';

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard permission (or not a secure context): the old way.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

/**
 * Copies `value`; says "Copied" for a moment (announced to screen readers). Its name is the visible text and, for
 * screen readers, what it copies: "Copy" + " Webhook URL".
 */
export function CopyButton({ value, what, children = 'Copy' }: { value: string; what: string; children?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <Button variant="secondary" className="shrink-0" onClick={() => void copy(value).then((ok) => setState(ok ? 'copied' : 'failed'))}>
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy' : children}</span>
      <span className="sr-only"> {what}</span>
    </Button>
  );
}

/** A value to copy (a URL, a link): shown whole, wrapping on narrow screens, with its copy button. */
export function CopyField({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="space-y-1">
      <p className="text-sm font-medium text-slate-800">{label}</p>
      {hint && <p className="text-xs text-slate-600">{hint}</p>}
      <div className="flex items-start gap-2">
        <code className="min-w-0 flex-1 rounded-md border border-slate-200 bg-slate-50 px-2 py-1.5 text-xs break-all">{value}</code>
        <CopyButton value={value} what={label} />
      </div>
    </div>
  );
}
