using Osprey.Engine.Layers;

namespace Osprey.Engine.Tests.Layers;

/// <summary>A fact about the AVX-512 kernel, skipped (with the reason) on a CPU without AVX-512.</summary>
public sealed class Avx512FactAttribute : FactAttribute
{
    public Avx512FactAttribute()
    {
        if (!FewRowProduct.IsSupported) Skip = "this CPU has no AVX-512: the few-row kernel does not run here";
    }
}

/// <summary>A theory about the AVX-512 kernel, skipped (with the reason) on a CPU without AVX-512.</summary>
public sealed class Avx512TheoryAttribute : TheoryAttribute
{
    public Avx512TheoryAttribute()
    {
        if (!FewRowProduct.IsSupported) Skip = "this CPU has no AVX-512: the few-row kernel does not run here";
    }
}
