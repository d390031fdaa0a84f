export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** One branded layout for every message: a heading, a paragraph, one call to action and a footnote. */
function layout(input: { heading: string; body: string; action: { label: string; url: string }; footnote: string }) {
  const { heading, body, action, footnote } = input;
  const html = `<!doctype html><html><body style="margin:0;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2937">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:32px 12px">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:12px;padding:32px">
<tr><td style="font-size:18px;font-weight:700;color:#4f46e5;padding-bottom:16px">PulseScore</td></tr>
<tr><td style="font-size:22px;font-weight:700;padding-bottom:12px">${escapeHtml(heading)}</td></tr>
<tr><td style="font-size:15px;line-height:1.6;padding-bottom:24px">${escapeHtml(body)}</td></tr>
<tr><td style="padding-bottom:24px"><a href="${escapeHtml(action.url)}" style="display:inline-block;background:#4f46e5;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">${escapeHtml(action.label)}</a></td></tr>
<tr><td style="font-size:13px;color:#6b7280;line-height:1.5">${escapeHtml(footnote)}<br>If the button does not work, open this link: ${escapeHtml(action.url)}</td></tr>
</table></td></tr></table></body></html>`;
  const text = `${heading}\n\n${body}\n\n${action.label}: ${action.url}\n\n${footnote}\n\n— PulseScore`;
  return { html, text };
}

export function passwordResetMail(input: { name: string; url: string }): RenderedMail {
  return {
    subject: 'Reset your PulseScore password',
    ...layout({
      heading: `Hi ${input.name}, reset your password`,
      body: 'Someone (hopefully you) asked to reset the password of your PulseScore account. Choose a new password with the button below.',
      action: { label: 'Choose a new password', url: input.url },
      footnote:
        'This link works once and expires in 1 hour. If you did not ask for it, you can ignore this email: your password stays the same.',
    }),
  };
}

export function emailVerificationMail(input: { name: string; url: string }): RenderedMail {
  return {
    subject: 'Confirm your email address for PulseScore',
    ...layout({
      heading: `Welcome to PulseScore, ${input.name}`,
      body: 'Please confirm that this is your email address, so that password resets and alerts reach you.',
      action: { label: 'Confirm my email', url: input.url },
      footnote: 'This link expires in 24 hours.',
    }),
  };
}

export function invitationMail(input: {
  inviterName: string;
  organizationName: string;
  role: string;
  url: string;
  expiresAt: Date;
}): RenderedMail {
  return {
    subject: `${input.inviterName} invited you to ${input.organizationName} on PulseScore`,
    ...layout({
      heading: `Join ${input.organizationName} on PulseScore`,
      body: `${input.inviterName} invited you to join ${input.organizationName} as ${input.role === 'admin' ? 'an admin' : `a ${input.role}`}. PulseScore scores the health of every customer from Stripe billing data and warns the team before a customer churns.`,
      action: { label: 'Accept invitation', url: input.url },
      footnote: `This invitation expires on ${input.expiresAt.toUTCString()}.`,
    }),
  };
}

export function alertMail(input: { ruleName: string; title: string; body: string; url: string }): RenderedMail {
  return {
    subject: `PulseScore alert: ${input.title}`,
    ...layout({
      heading: input.title,
      body: input.body,
      action: { label: 'Open the customer', url: input.url },
      footnote: `You receive this because the alert rule “${input.ruleName}” lists you. Admins change alert rules in Settings → Alerts.`,
    }),
  };
}

export function digestMail(input: {
  name: string;
  organization: string;
  customers: { name: string; score: number | null; level: string; url: string }[];
  url: string;
}): RenderedMail {
  const lines = input.customers.map((c) => `• ${c.name}: ${c.score ?? 'N/A'} (${c.level})`);
  const body =
    input.customers.length === 0
      ? `No customer of ${input.organization} is at risk this week.`
      : `${input.customers.length} customers of ${input.organization} are at risk (lowest scores first):\n${lines.join('\n')}`;
  return {
    subject: `PulseScore weekly digest: ${input.customers.length} at-risk customers at ${input.organization}`,
    ...layout({
      heading: `Hi ${input.name}, your weekly digest`,
      body,
      action: { label: 'See at-risk customers', url: input.url },
      footnote: 'You receive this weekly digest because you turned it on in Settings → Alerts. Turn it off there at any time.',
    }),
  };
}

export function supportMail(input: {
  from: { name: string; email: string };
  organization: string;
  page: string;
  message: string;
  url: string;
}): RenderedMail {
  return {
    subject: `Help request from ${input.from.name} (${input.organization})`,
    ...layout({
      heading: `${input.from.name} <${input.from.email}> asks for help`,
      body: input.message,
      action: { label: 'Open the page they were on', url: input.url },
      footnote: `Sent from ${input.page} in the organization “${input.organization}”. Reply to ${input.from.email}.`,
    }),
  };
}
