// The commands write their errors to Console.Error, which the tests redirect: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
