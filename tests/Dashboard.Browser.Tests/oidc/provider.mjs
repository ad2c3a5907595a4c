// A real OpenID provider (npm's certified oidc-provider) on loopback, for the dashboard's sign-in tests.
// Its development login screen takes any account name below with any password.
// Usage: node provider.mjs <port> <dashboard base URL>
import Provider from 'oidc-provider';

const [port, dashboard] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const people = {
  alice: { email: 'alice@example.com', email_verified: true, groups: ['operators', 'system:masters', 'admins'] },
  eve: { email: 'eve@example.com', email_verified: false, groups: ['operators'] },
  sysadmin: { email: 'system:admin', email_verified: true, groups: ['operators'] },
  nobody: { email_verified: true, groups: ['operators'] },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'rollout-dashboard',
    client_secret: 'test-secret',
    redirect_uris: [`${dashboard}/signin-oidc`],
    post_logout_redirect_uris: [`${dashboard}/signout-callback-oidc`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  // Claims in the ID token itself, as most identity providers put them.
  conformIdTokenClaims: false,
  cookies: { keys: ['rollout-dashboard-tests'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, id) {
    if (!people[id]) return undefined;
    return { accountId: id, async claims() { return { sub: id, name: id, ...people[id] }; } };
  },
});
provider.listen(Number(port), '127.0.0.1', () => console.log(`oidc-provider ready at ${issuer}`));
