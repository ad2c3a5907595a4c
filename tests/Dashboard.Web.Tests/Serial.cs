namespace Dashboard.Web.Tests;

/// <summary>
/// Tests that load the machine on their own (5,000 generated pods; two dashboards and a cluster) run
/// alone, after the others: beside them, on two cores, a neighbour's timing would measure them instead.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Serial
{
    public const string Name = "runs alone";
}
