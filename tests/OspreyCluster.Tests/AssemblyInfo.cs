// Every test class runs real silos with real models; on a shared 2-core machine they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
