"""Several clients saving at once, on SQLite and on the server: nothing acknowledged is lost,
conflicts go to the second writer and overwrite nothing, and no driver error escapes."""

from save_race import check_nothing_lost, run_threads

SOLO, SAVES, ROUNDS = 4, 12, 8


def test_four_solo_writers_and_a_pair_on_one_reading(project_url):
    logs, _ = run_threads(project_url, SOLO, SAVES, ROUNDS)
    assert [log.errors for log in logs] == [[]] * len(logs)
    finals = check_nothing_lost(project_url, logs)
    solo, pair = logs[:SOLO], logs[SOLO:]
    assert [len(log.acknowledged) for log in solo] == [SAVES] * SOLO
    assert sorted(finals.values()) == [ROUNDS] + [SAVES] * SOLO
    # Each round both loaded the same version: exactly one save won, the other was refused.
    assert sum(len(log.acknowledged) for log in pair) == ROUNDS
    assert sum(log.conflicts for log in pair) == ROUNDS
