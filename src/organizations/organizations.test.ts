import { describe, expect, it } from 'vitest';
import { outbox, type SignedUpUser, signUp, type TestApp, useTestApp, waitFor } from '../../test/helpers/app.js';

let t: TestApp;
useTestApp((app) => {
  t = app;
});

/** Invites someone; answers the invitation's id (to manage it) and the secret token its link carries. */
async function invite(by: SignedUpUser, email: string, role = 'member') {
  const res = await by.client.post('/api/v1/invitations', { email, role });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.id as string, token: new URL(res.body.url as string).pathname.split('/').pop()! };
}

async function memberId(of: SignedUpUser, userId: string): Promise<string> {
  const res = await of.client.get('/api/v1/members');
  return res.body.members.find((m: { userId: string }) => m.userId === userId).id;
}

/** An owner with an admin and a member in the owner's organization. */
async function team() {
  const owner = await signUp(t, { organizationName: 'Team' });
  const admin = await signUp(t);
  const member = await signUp(t);
  for (const [u, role] of [
    [admin, 'admin'],
    [member, 'member'],
  ] as const) {
    const { token } = await invite(owner, u.email, role);
    expect((await u.client.post('/api/v1/invitations/accept', { token })).status).toBe(200);
  }
  return { owner, admin, member };
}

describe('organizations', () => {
  it('lets a user belong to several organizations and switch between them', async () => {
    const user = await signUp(t, { organizationName: 'First' });
    const created = await user.client.post('/api/v1/organizations', { name: 'Second' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Second', role: 'owner' });
    expect((await user.client.get('/api/v1/organization')).body.name).toBe('Second');
    const me = await user.client.get('/api/v1/me');
    expect(me.body.organizations.map((o: { name: string }) => o.name).sort()).toEqual(['First', 'Second']);
    const switched = await user.client.post('/api/v1/me/active-organization', { organizationId: user.orgId });
    expect(switched.body.name).toBe('First');
    expect((await user.client.get('/api/v1/organization')).body.name).toBe('First');
    const other = await signUp(t);
    expect((await user.client.post('/api/v1/me/active-organization', { organizationId: other.orgId })).status).toBe(404);
  });

  it('lets admins rename the organization but not members', async () => {
    const { admin, member } = await team();
    expect((await admin.client.patch('/api/v1/organization', { name: 'Renamed' })).body.name).toBe('Renamed');
    expect((await member.client.patch('/api/v1/organization', { name: 'Nope' })).status).toBe(403);
  });
});

describe('invitations', () => {
  it('emails an invitation that an existing user accepts', async () => {
    const owner = await signUp(t, { organizationName: 'Inviting Co' });
    const existing = await signUp(t, { organizationName: 'Own Co' });
    const { id, token } = await invite(owner, existing.email, 'admin');
    const mail = await waitFor(async () => (await outbox(t, existing.email)).find((m) => m.subject.includes('Inviting Co')));
    expect(mail.text_body).toContain(`/invitations/${token}`);
    expect(mail.text_body).not.toContain(id);
    expect(mail.html_body).toContain('Accept invitation');
    const preview = await t.client().get(`/api/v1/invitations/${token}/preview`);
    expect(preview.body).toMatchObject({ email: existing.email, role: 'admin', organization: { name: 'Inviting Co' } });
    // The id (which admins see) is not the secret: it opens nothing.
    expect((await t.client().get(`/api/v1/invitations/${id}/preview`)).status).toBe(404);
    expect((await existing.client.post('/api/v1/invitations/accept', { invitationId: id })).status).toBe(404);

    const accepted = await existing.client.post('/api/v1/invitations/accept', { token });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ role: 'admin', organization: { name: 'Inviting Co' } });
    expect((await existing.client.get('/api/v1/organization')).body).toMatchObject({ name: 'Inviting Co', role: 'admin' });
    expect((await existing.client.post('/api/v1/invitations/accept', { token })).body.error.code).toBe('invitation_not_pending');
  });

  it('lets a new user sign up straight into the inviting organization', async () => {
    const owner = await signUp(t, { organizationName: 'Welcoming Co' });
    const email = `newcomer-${Date.now()}@example.com`;
    const { token } = await invite(owner, email);
    const newcomer = await signUp(t, { email, invitationToken: token });
    const me = await newcomer.client.get('/api/v1/me');
    expect(me.body.organizations).toEqual([expect.objectContaining({ name: 'Welcoming Co', role: 'member' })]);
    expect((await owner.client.get('/api/v1/invitations')).body.invitations).toHaveLength(0);
  });

  it('refuses the wrong addressee, expired and canceled invitations', async () => {
    const owner = await signUp(t);
    const stranger = await signUp(t);
    const { token } = await invite(owner, `someone-${Date.now()}@example.com`);
    const wrong = await stranger.client.post('/api/v1/invitations/accept', { token });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('invitation_email_mismatch');

    const expiring = await invite(owner, stranger.email);
    await t.runtime.database.db
      .updateTable('invitations')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expiring.id)
      .execute();
    expect((await stranger.client.post('/api/v1/invitations/accept', { token: expiring.token })).status).toBe(410);

    await t.runtime.database.db.updateTable('invitations').set({ status: 'canceled' }).where('id', '=', expiring.id).execute();
    const fresh = await invite(owner, stranger.email);
    expect((await owner.client.delete(`/api/v1/invitations/${fresh.id}`)).status).toBe(204);
    expect((await stranger.client.post('/api/v1/invitations/accept', { token: fresh.token })).status).toBe(409);
  });

  it('refuses duplicates, existing members and owner invitations from admins', async () => {
    const { owner, admin, member } = await team();
    expect((await owner.client.post('/api/v1/invitations', { email: member.email })).body.error.code).toBe('already_member');
    const email = `dup-${Date.now()}@example.com`;
    await invite(owner, email);
    expect((await owner.client.post('/api/v1/invitations', { email })).body.error.code).toBe('invitation_exists');
    expect((await admin.client.post('/api/v1/invitations', { email: 'boss@example.com', role: 'owner' })).status).toBe(403);
    expect((await owner.client.post('/api/v1/invitations', { email: 'boss@example.com', role: 'owner' })).status).toBe(201);
  });
});

describe('members and roles', () => {
  it('changes roles within the rules', async () => {
    const { owner, admin, member } = await team();
    const memberMid = await memberId(owner, member.userId);
    expect((await admin.client.patch(`/api/v1/members/${memberMid}`, { role: 'admin' })).body.role).toBe('admin');
    expect((await admin.client.patch(`/api/v1/members/${memberMid}`, { role: 'owner' })).status).toBe(403);
    const ownerMid = await memberId(owner, owner.userId);
    expect((await admin.client.patch(`/api/v1/members/${ownerMid}`, { role: 'member' })).status).toBe(403);
    expect((await member.client.patch(`/api/v1/members/${ownerMid}`, { role: 'member' })).status).toBe(403);
    expect((await owner.client.patch(`/api/v1/members/${memberMid}`, { role: 'owner' })).body.role).toBe('owner');
  });

  it('never removes or demotes the last owner', async () => {
    const { owner, admin } = await team();
    const ownerMid = await memberId(owner, owner.userId);
    const demote = await owner.client.patch(`/api/v1/members/${ownerMid}`, { role: 'admin' });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe('last_owner');
    expect((await owner.client.delete(`/api/v1/members/${ownerMid}`)).body.error.code).toBe('last_owner');
    expect((await admin.client.delete(`/api/v1/members/${ownerMid}`)).status).toBe(403);
    // With a second owner, the first may step down.
    const adminMid = await memberId(owner, admin.userId);
    await owner.client.patch(`/api/v1/members/${adminMid}`, { role: 'owner' });
    expect((await owner.client.patch(`/api/v1/members/${ownerMid}`, { role: 'member' })).status).toBe(200);
  });

  it('removes members, who then lose access at once; members may leave', async () => {
    const { owner, admin, member } = await team();
    const memberMid = await memberId(owner, member.userId);
    expect((await member.client.get('/api/v1/members')).status).toBe(200);
    expect((await admin.client.delete(`/api/v1/members/${memberMid}`)).status).toBe(204);
    const after = await member.client.get('/api/v1/organization');
    expect(after.body.id).not.toBe(owner.orgId);
    const adminMid = await memberId(owner, admin.userId);
    expect((await admin.client.delete(`/api/v1/members/${adminMid}`)).status).toBe(204);
    expect((await owner.client.get('/api/v1/members')).body.members).toHaveLength(1);
  });
});
