import { autovacuumRuns, vacuumWarning } from './vacuum-settings';

describe('vacuumWarning', () => {
  it('says nothing when autovacuum runs', () => {
    expect(vacuumWarning({ autovacuum: true, trackCounts: true })).toBeNull();
  });

  it('names autovacuum, and how to turn it on, when it is off', () => {
    const warning = vacuumWarning({ autovacuum: false, trackCounts: true });

    expect(warning).toContain('autovacuum = off');
    expect(warning).toContain('Set autovacuum = on');
    expect(warning).not.toContain('track_counts');
  });

  it('names track_counts when it is off, since autovacuum cannot run without it', () => {
    const settings = { autovacuum: true, trackCounts: false };

    expect(autovacuumRuns(settings)).toBe(false);
    expect(vacuumWarning(settings)).toContain('Set track_counts = on');
  });

  it('names both when both are off', () => {
    expect(vacuumWarning({ autovacuum: false, trackCounts: false })).toContain(
      'Set autovacuum = on and track_counts = on',
    );
  });
});
