namespace Osprey.Training.Training;

/// <summary>Which compute kernels a training run uses, and so on which machines it repeats bit for bit.</summary>
public enum TrainingKernels
{
    /// <summary>
    /// The same kernels on every x86-64 CPU with AVX2, whatever its vendor, family or widest vectors
    /// (<see cref="KernelPins"/>): a run repeats bit for bit on any of them, at some cost in speed.
    /// </summary>
    Portable,

    /// <summary>
    /// libtorch, oneDNN and MKL pinned to their AVX2 paths (<see cref="KernelPins"/>): about as fast as
    /// native kernels, and a run repeats bit for bit on CPUs of one vendor with AVX2, whatever their
    /// family or widest vectors. MKL's AVX2 path differs between vendors, so an Intel CPU and an AMD one
    /// give different weights.
    /// </summary>
    Avx2,

    /// <summary>The kernels libtorch, MKL and oneDNN pick for this CPU: fastest, repeats only on the same kind of CPU.</summary>
    Native,
}
