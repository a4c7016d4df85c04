namespace Osprey.Training.Training;

/// <summary>Which compute kernels a training run uses, and so on which machines it repeats bit for bit.</summary>
public enum TrainingKernels
{
    /// <summary>
    /// The same kernels on every x86-64 CPU with AVX2, whatever its vendor, family or widest vectors
    /// (<see cref="KernelPins"/>): a run repeats bit for bit on any of them, at some cost in speed.
    /// </summary>
    Portable,

    /// <summary>The kernels libtorch, MKL and oneDNN pick for this CPU: fastest, repeats only on the same kind of CPU.</summary>
    Native,
}
