import { SessionState } from './smtp-session-state';

/** A state opened `ageMs` ago that has delivered `delivered` messages. */
function stateWith(max: number, delivered: number, ageMs: number): SessionState {
  const realNow = Date.now;
  Date.now = () => realNow() - ageMs;
  const state = new SessionState(max);
  Date.now = realNow;
  for (let i = 0; i < delivered; i++) {
    state.begin();
    state.delivered();
    state.end(true, false, false, false);
  }
  return state;
}

describe('SessionState: when a connection asks for its successor', () => {
  it('not before two messages tell its pace, unless the next is its last', () => {
    expect(stateWith(100, 1, 10).successorDue(50)).toBe(false);
    const last = stateWith(2, 1, 10);
    last.begin();
    expect(last.successorDue(0)).toBe(true);
  });

  it('when what is left, at its pace, takes less than twice the connect time', () => {
    // 10 delivered in 100 ms: 10 ms each; 90 left = 900 ms.
    expect(stateWith(100, 10, 100).successorDue(400)).toBe(false);
    expect(stateWith(100, 10, 100).successorDue(450)).toBe(true);
  });

  it('once per connection, and never for one the server is closing', () => {
    const state = stateWith(10, 9, 10);
    expect(state.successorDue(1000)).toBe(true);
    expect(state.retiring).toBe(true);
    expect(state.successorDue(1000)).toBe(false);
    const broken = stateWith(10, 9, 10);
    broken.markBroken();
    expect(broken.successorDue(1000)).toBe(false);
  });

  it('once handed over it takes nothing more and QUITs after its last reply', () => {
    const state = stateWith(100, 5, 10);
    state.begin();
    state.handOver();
    expect(state.hasRoom()).toBe(false);
    state.delivered();
    expect(state.end(true, false, false, false)).toBe('quit');
  });

  it('a successor that could not connect: the connection counts again, asks again later', () => {
    const state = stateWith(10, 9, 10);
    expect(state.successorDue(1000)).toBe(true);
    state.successorFailed();
    expect(state.retiring).toBe(false);
    expect(state.hasRoom()).toBe(true);
    expect(state.successorDue(1000)).toBe(true);
  });
});
