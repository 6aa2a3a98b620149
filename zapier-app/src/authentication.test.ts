import { createAppTester, type Bundle } from 'zapier-platform-core';
import { startTestDispatcher, type TestDispatcher } from '@spir-webhooks/dispatcher/testing';
import App from './index';

const appTester = createAppTester(App);
let dispatcher: TestDispatcher;

beforeAll(async () => {
  dispatcher = await startTestDispatcher({});
  process.env.API_BASE_URL = `${dispatcher.url}/`;
});

afterAll(() => dispatcher.close());

describe('authentication', () => {
  it('tests a good key against /v1/me and labels the connection with the team name', async () => {
    const apiKey = await dispatcher.createTeam('auth-team');
    const me = await appTester(App.authentication.test, { authData: { apiKey } } as Partial<Bundle>);
    expect(me).toEqual({ teamId: 'auth-team', name: 'Team auth-team', scope: 'full' });
    const label = await appTester(App.authentication.connectionLabel, {
      authData: { apiKey },
      inputData: me,
    } as Partial<Bundle>);
    expect(label).toBe('Team auth-team');
  });

  it('tells the user to check a key that Spir does not accept', async () => {
    await expect(
      appTester(App.authentication.test, { authData: { apiKey: 'spk_wrong' } } as Partial<Bundle>),
    ).rejects.toThrow('Spir does not accept this API key (mistyped, revoked or expired). Reconnect');
  });

  it('fails clearly when API_BASE_URL is not set', async () => {
    const saved = process.env.API_BASE_URL;
    delete process.env.API_BASE_URL;
    try {
      await expect(
        appTester(App.authentication.test, { authData: { apiKey: 'spk_x' } } as Partial<Bundle>),
      ).rejects.toThrow(/API_BASE_URL is not set/);
    } finally {
      process.env.API_BASE_URL = saved;
    }
  });
});
