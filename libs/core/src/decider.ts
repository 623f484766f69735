import { deepStrictEqual, fail } from 'assert';
import { DomainEvent } from './event';

/** The shape of every aggregate: pure, no clock, no I/O. Time arrives inside the command. */
export interface Decider<Command, Event extends DomainEvent, State> {
  initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export const fold = <E extends DomainEvent, S>(decider: Pick<Decider<unknown, E, S>, 'evolve' | 'initialState'>, events: E[]): S =>
  events.reduce(decider.evolve, decider.initialState);

/** given / when / then for deciders: specs read like the rules and need no store. */
export function specFor<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return (given: E[]) => ({
    when: (command: C) => {
      const run = () => decider.decide(command, fold(decider, given));
      return {
        then: (expected: E[] | ((events: E[]) => void)) => {
          const events = run();
          if (typeof expected === 'function') expected(events);
          else deepStrictEqual(events, expected);
        },
        thenThrows: (code: string) => {
          let thrown: unknown;
          try {
            run();
          } catch (error) {
            thrown = error;
          }
          if ((thrown as { code?: string } | undefined)?.code !== code) {
            fail(`expected a refusal with code ${code}, got ${thrown === undefined ? 'no error' : String((thrown as Error).message ?? thrown)}`);
          }
        },
      };
    },
  });
}
