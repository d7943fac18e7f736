"""Every public operation against PyTorch 2.13 (issue 17): the table in conformance_table.py
gives each one sample inputs (broadcasting, 0-d, empty, size-1 axes, non-contiguous views,
float32 and float64, integers) and its torch counterpart; each case compares whether either
raises, the result's structure, shape, dtype and values, every float input's gradient, the jvp
and a second-order product (conformance_harness.py). A public name without an entry fails."""
import pytest
from conformance_harness import NOTES, Runner
from conformance_table import EXCLUDED, KNOWN, all_entries, known, public_names

ENTRIES = {}
for _entry in all_entries():
    assert _entry.name not in ENTRIES, f"two entries named {_entry.name}"
    ENTRIES[_entry.name] = _entry


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_entry_agrees_with_torch(name, torch):
    entry = ENTRIES[name]
    found = [m for m in Runner(torch).run_entry(entry) if m.kind not in NOTES]
    unexplained = [m for m in found if known(name, m) is None]
    assert not unexplained, f"{name} differs from PyTorch:\n" + "\n".join(map(str, unexplained))
    seen = {known(name, m) for m in found}
    gone = [key for key in KNOWN if key[0] == name and key not in seen]
    assert not gone, f"{name}: these known differences are gone, remove them from KNOWN: {gone}"


def test_every_public_operation_has_an_entry(torch):
    names = public_names(torch)
    tensor_entries = {n.split(" ")[0] for n in ENTRIES}
    missing = sorted(n for n in names if n not in tensor_entries and n not in EXCLUDED)
    assert not missing, f"public names without a conformance entry or an exclusion: {missing}"


def test_exclusions_and_entries_are_public_names(torch):
    """Each exclusion names a public name (no stale ones), each entry a public name or a
    torch counterpart that exists."""
    names = public_names(torch)
    stale = sorted(n for n in EXCLUDED if n not in names)
    assert not stale, f"excluded names that are not public names: {stale}"
    for name in ENTRIES:
        base = name.split(" ")[0]
        owner, attr = base.split(".", 1)
        assert hasattr(torch.Tensor if owner == "Tensor" else torch, attr) \
            or base in names, name
    assert not set(ENTRIES) & set(EXCLUDED)


def test_a_difference_fails_the_entry(torch):
    """The harness can fail: a wrong value, dtype, gradient (and with it jvp and second order),
    memory shared where PyTorch's is new, another layout, a missing error and a wrong error
    are each reported."""
    from conformance_specs import C, Entry, F

    import graphgrad as gg
    runner = Runner(torch)

    def kinds(ours, theirs, *cases):
        return {m.kind for m in runner.run_entry(Entry("probe", ours, theirs, list(cases)))}
    assert kinds(lambda x: gg.exp(x) * 1.001, lambda t, x: t.exp(x), C(F(3))) == {"value"}
    assert kinds(lambda x: x.double() * 1, lambda t, x: x * 1, C(F(3))) == {"dtype"}
    assert kinds(lambda x: x[:], lambda t, x: x.clone(), C(F(3))) == {"memory"}
    assert kinds(lambda x: x.t().clone(), lambda t, x: x.t().contiguous(), C(F(3, 2))) == \
        {"layout"}
    assert kinds(lambda x: x * x.detach(), lambda t, x: x * x, C(F(3))) == \
        {"grad", "jvp", "second_order"}
    assert kinds(lambda x: x * 1, lambda t, x: x.reshape(7), C(F(3))) == {"accepts"}
    assert kinds(lambda x: x.reshape(7), lambda t, x: x * 1, C(F(3))) == {"raises"}
    assert kinds(lambda x: (x, x), lambda t, x: x.max(0), C(F(3, 2))) == {"type"}
