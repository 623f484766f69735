import { eventTitle } from './missions';

describe("a timeline entry's title", () => {
  it.each([
    ['PassportIssued', 'Passport issued'],
    ['ProxiedCallRefused', 'Proxied call refused'],
    ['IntentApprovalGiven', 'Intent approval given'],
    ['MissionCheckedOut', 'Mission checked out'],
  ])('given the event type %s, then it reads "%s"', (type, title) => {
    expect(eventTitle(type)).toBe(title);
  });
});
