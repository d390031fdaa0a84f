import { Fragment } from 'react';

const PATTERN = /([\w.+-]+@[\w-]+(?:\.[\w-]+)+)|(https?:\/\/[^\s)]+[^\s).,;])/g;

/** Text with its email addresses as `mailto:` links and its web addresses as links: support is one click away. */
export function Linkify({ text }: { text: string }) {
  const parts: React.ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(PATTERN)) {
    const at = m.index;
    if (at > last) parts.push(text.slice(last, at));
    const [whole, email] = m;
    parts.push(
      <a
        key={at}
        href={email ? `mailto:${email}` : whole}
        className="font-medium underline"
        {...(email ? {} : { target: '_blank', rel: 'noreferrer' })}
      >
        {whole}
      </a>,
    );
    last = at + whole.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>{p}</Fragment>
      ))}
    </>
  );
}
