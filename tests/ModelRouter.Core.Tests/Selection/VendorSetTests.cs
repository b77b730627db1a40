using ModelRouter.Selection;

namespace ModelRouter.Tests.Selection;

public class VendorSetTests
{
    [Test]
    public void Default_IsEmptyAndContainsNothing()
    {
        var set = default(VendorSet);

        Assert.Multiple(() =>
        {
            Assert.That(set.IsEmpty, Is.True);
            Assert.That(set.Contains(0), Is.False);
            Assert.That(set.Contains(64), Is.False);
            Assert.That(new VendorCandidates(set).AllEligible, Is.True);
        });
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(63)]
    [TestCase(64)]
    [TestCase(65)]
    [TestCase(1000)]
    public void Add_Position_IsContainedAloneAndNotEmpty(int index)
    {
        var set = default(VendorSet);
        set.Add(index);

        Assert.Multiple(() =>
        {
            Assert.That(set.IsEmpty, Is.False);
            Assert.That(set.Contains(index), Is.True);
            Assert.That(set.Contains(index + 1), Is.False);
            Assert.That(index == 0 || !set.Contains(index - 1), Is.True);
            Assert.That(new VendorCandidates(set).IsEligible(index), Is.False);
            Assert.That(new VendorCandidates(set).IsEligible(index + 1), Is.True);
            Assert.That(new VendorCandidates(set).AllEligible, Is.False);
        });
    }

    [Test]
    public void Add_LowAndHighPositions_KeepsBoth()
    {
        var set = default(VendorSet);
        set.Add(3);
        set.Add(64);
        set.Add(3);

        Assert.Multiple(() =>
        {
            Assert.That(set.Contains(3), Is.True);
            Assert.That(set.Contains(64), Is.True);
            Assert.That(set.Contains(0), Is.False);
            Assert.That(set.Contains(128), Is.False);
        });
    }

    [Test]
    public void Add_NegativePosition_Throws()
    {
        var set = default(VendorSet);

        Assert.That(() => set.Add(-1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}
