import { parseJsonExact } from '@crypto-invest/money';
import { describe, expect, it } from 'vitest';
import type { SystemStatus } from '../../src/system/system-status.ts';
import { describeSystem, flattenFacts } from './system-view.ts';

const status = (projector: string, query = '{"reachable":true,"ready":true,"http_status":200,"checks":{"replica":{"ok":true,"lag_seconds":0.004}}}') =>
  parseJsonExact(`{"checked_at":"2024-06-01T12:00:00.000Z","services":{
    "command-api":{"reachable":true,"ready":true,"http_status":200,"checks":{"primary":{"ok":true}}},
    "query-api":${query},
    "projector":{"reachable":false,"ready":false,"http_status":null,"checks":null,"problem":"unreachable"}},
    "projector":${projector}}`) as SystemStatus;

describe('describeSystem', () => {
  it('lists each service with its checks and facts, numbers as written', () => {
    const view = describeSystem(status('{"available":false,"http_status":null,"status":null,"problem":"unreachable"}'));
    expect(view.services.map((s) => [s.name, s.state])).toEqual([
      ['command-api', 'ready'],
      ['query-api', 'ready'],
      ['projector', 'unreachable'],
    ]);
    expect(view.services[1]!.checks).toEqual([{ name: 'replica', ok: true, facts: [['lag_seconds', '0.004']] }]);
    expect(view.unreachable).toEqual(['projector']);
    expect(view.projector).toBeNull();
    expect(view.projectorBehind).toBe(false);
    expect(view.replicaBehind).toBe(false);
  });

  it('says a replica is behind when the query API reports it outside its lag bound or lagging by seconds', () => {
    const replica = (facts: string) =>
      describeSystem(status('{"available":false,"http_status":null,"status":null}', `{"reachable":true,"ready":true,"http_status":200,"checks":{"replica_1":{"ok":true,${facts}}}}`)).replicaBehind;
    expect(replica('"replication_lag_seconds":0.01,"within_lag_bound":true')).toBe(false);
    expect(replica('"replication_lag_seconds":0.01,"within_lag_bound":false')).toBe(true);
    expect(replica('"replication_lag_seconds":7.5')).toBe(true);
  });

  it('says the projector is behind when it lags by seconds or events, or is stalled', () => {
    const behind = (body: string) => describeSystem(status(`{"available":true,"http_status":200,"status":${body}}`)).projectorBehind;
    expect(behind('{"state":"running","lag":{"events":3,"seconds":0.2}}')).toBe(false);
    expect(behind('{"state":"running","lag":{"events":3,"seconds":12.5}}')).toBe(true);
    expect(behind('{"state":"running","lag_events":5000,"lag_seconds":1}')).toBe(true);
    expect(behind('{"state":"stalled","lag_events":1}')).toBe(true);
  });
});

describe('flattenFacts', () => {
  it('flattens nested facts with dotted names', () => {
    expect(flattenFacts(parseJsonExact('{"a":{"b":1.50,"c":true},"d":null,"e":[1,2],"f":"x"}') as Record<string, unknown>)).toEqual([
      ['a.b', '1.50'],
      ['a.c', 'yes'],
      ['d', '—'],
      ['e', '[1,2]'],
      ['f', 'x'],
    ]);
  });
});
