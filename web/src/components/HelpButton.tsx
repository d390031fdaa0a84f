import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { errorMessage, post } from '../lib/api';
import { useMe } from '../lib/session';
import { useSupport } from '../lib/support';
import type { SupportMessageSent } from '../lib/types';
import { Dialog } from './Dialog';
import { Button, FormError } from './forms';
import { HELP_TOPICS } from './help-topics';
import { Linkify } from './Linkify';

/** Lower case, curly quotes as straight ones: "n/a" finds “N/A”. */
const plain = (s: string) => s.toLowerCase().replace(/[“”]/g, '"').replace(/[‘’]/g, "'");

function Answers({ onNavigate, searchRef }: { onNavigate: () => void; searchRef: React.RefObject<HTMLInputElement | null> }) {
  const support = useSupport();
  const [query, setQuery] = useState('');
  const searchId = useId();
  const terms = plain(query).split(/\s+/).filter(Boolean);
  const topics = HELP_TOPICS.filter((t) => {
    const text = plain(`${t.title} ${t.points.join(' ')}`);
    return terms.every((term) => text.includes(term));
  });
  return (
    <section aria-labelledby={`${searchId}-h`} className="space-y-3">
      <h3 id={`${searchId}-h`} className="font-semibold">
        Troubleshooting
      </h3>
      <div>
        <label htmlFor={searchId} className="block text-sm font-medium text-slate-800">
          Search the answers
        </label>
        <input
          ref={searchRef}
          id={searchId}
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="e.g. webhook, N/A, sync"
          className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
        />
      </div>
      <p className="sr-only" role="status" aria-live="polite">
        {terms.length > 0 ? `${topics.length} ${topics.length === 1 ? 'answer' : 'answers'} found` : ''}
      </p>
      {topics.length === 0 ? (
        <p className="text-sm text-slate-600">No answer matches “{query}”. Send us a message below: a person will answer.</p>
      ) : (
        <ul className="space-y-2">
          {topics.map((t) => (
            <li key={t.id}>
              <details open={terms.length > 0} className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm">
                <summary className="cursor-pointer font-medium">{t.title}</summary>
                <ul className="mt-2 list-disc space-y-1 pl-5 text-slate-700">
                  {t.points.map((p) => (
                    <li key={p}>
                      <Linkify text={p.replaceAll('{support}', support.email)} />
                    </li>
                  ))}
                </ul>
                <Link to={t.link.to} onClick={onNavigate} className="mt-2 inline-block font-medium text-indigo-700 underline">
                  {t.link.label}
                </Link>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function MessageForm() {
  const location = useLocation();
  const me = useMe();
  const [message, setMessage] = useState('');
  const id = useId();
  const sent = useRef<HTMLParagraphElement>(null);
  const send = useMutation({
    mutationFn: (text: string) =>
      post<SupportMessageSent>('/support/messages', { message: text, page: `${location.pathname}${location.search}` }),
    onSuccess: () => setMessage(''),
  });
  // On a phone the confirmation lands below the fold: it is brought into view.
  useEffect(() => {
    if (send.data) sent.current?.scrollIntoView({ block: 'nearest' });
  }, [send.data]);
  return (
    <section aria-labelledby={`${id}-h`} className="space-y-2">
      <h3 id={`${id}-h`} className="font-semibold">
        Send us a message
      </h3>
      <form
        className="space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (message.trim()) send.mutate(message.trim());
        }}
      >
        <label htmlFor={id} className="block text-sm font-medium text-slate-800">
          Your message
        </label>
        <textarea
          id={id}
          value={message}
          onChange={(e) => {
            setMessage(e.target.value);
            if (send.isSuccess) send.reset();
          }}
          required
          maxLength={5000}
          rows={4}
          aria-describedby={`${id}-hint`}
          className="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
        />
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          Sent with the page you are on{me.data?.user ? `; the answer comes by email to ${me.data.user.email}` : ''}.
        </p>
        <FormError>{send.error && errorMessage(send.error, { message: 'Your message', page: 'The page' })}</FormError>
        <Button type="submit" disabled={send.isPending || !message.trim()}>
          {send.isPending ? 'Sending…' : 'Send message'}
        </Button>
        {send.data && (
          <p ref={sent} role="status" className="rounded-md border border-green-200 bg-green-50 p-3 text-sm text-green-900">
            Message sent to{' '}
            <a href={`mailto:${send.data.to}`} className="font-medium underline">
              {send.data.to}
            </a>
            . We will answer by email.
          </p>
        )}
      </form>
    </section>
  );
}

/** The guide's "Getting help": a ? button in the bottom-right corner of every signed-in page. */
export function HelpButton() {
  const [open, setOpen] = useState(false);
  const support = useSupport();
  const button = useRef<HTMLButtonElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const close = () => setOpen(false);
  return (
    <>
      <button
        ref={button}
        type="button"
        onClick={() => setOpen(true)}
        aria-haspopup="dialog"
        aria-label="Help"
        title="Help"
        className="fixed right-4 bottom-4 z-30 flex h-12 w-12 items-center justify-center rounded-full bg-indigo-600 text-xl font-bold text-white shadow-lg hover:bg-indigo-700 print:hidden"
      >
        <span aria-hidden="true">?</span>
      </button>
      <Dialog open={open} title="Help" onClose={close} variant="panel" returnFocus={button} initialFocus={search}>
        {/* The guide's "Getting help": this panel (answers and a message), the support email and the status page. */}
        <p className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
          <span>
            Email{' '}
            <a href={`mailto:${support.email}`} className="font-medium text-indigo-700 underline">
              {support.email}
            </a>
          </span>
          <span>
            <a href={support.statusPageUrl} target="_blank" rel="noreferrer" className="font-medium text-indigo-700 underline">
              Status page
            </a>{' '}
            <span className="text-slate-600">({support.statusPageUrl.replace(/^https?:\/\//, '').replace(/\/$/, '')})</span>
          </span>
        </p>
        <Answers onNavigate={close} searchRef={search} />
        <MessageForm />
      </Dialog>
    </>
  );
}
