import { LiveFeedListeners } from './live-feed-listeners';
import { LiveFeeds } from './projection';

const none: LiveFeeds = { revocations: [], findings: [], tenantChanges: [], queueChanges: [], resolutions: [] };

describe('the live feeds of a process', () => {
  it('given listeners of two feeds, when a batch is published, then each hears its own feed only, and nobody hears an empty one', () => {
    const live = new LiveFeedListeners();
    const heard: string[] = [];
    live.on('queueChanges', (changes) => heard.push(`queue ${changes.map((c) => c.position).join(',')}`));
    live.on('resolutions', (changes) => heard.push(`resolutions ${changes.length}`));

    live.publish({ ...none, queueChanges: [{ tenantId: 'ten_1', position: 7 }, { tenantId: 'ten_2', position: 9 }] });

    expect(heard).toEqual(['queue 7,9']);
  });

  it('given a listener that unsubscribed, when a batch is published, then it hears nothing', () => {
    const live = new LiveFeedListeners();
    const heard: number[] = [];
    const stop = live.on('queueChanges', (changes) => heard.push(changes.length));
    stop();
    live.publish({ ...none, queueChanges: [{ tenantId: 'ten_1', position: 7 }] });
    expect(heard).toEqual([]);
  });
});
