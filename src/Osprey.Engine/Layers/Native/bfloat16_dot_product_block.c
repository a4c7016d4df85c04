/*
 * The one-row product of a block of a packed bfloat16 weight on the CPU's bfloat16 dot-product
 * instruction (VDPBF16PS, AVX512_BF16), which .NET has no intrinsic for. The engine runs this
 * function's machine code, held as bytes in BFloat16DotProductKernel.cs; the bytes are what
 *
 *     gcc -O2 -mavx512f -mavx512bf16 -fno-asynchronous-unwind-tables -fno-stack-protector \
 *         -fcf-protection=none -c bfloat16_dot_product_block.c -o kernel.o
 *     objcopy -O binary -j .text kernel.o kernel.bin
 *
 * gives (gcc 12), and BFloat16DotProductKernelTests checks that they still are.
 *
 * y[0..32) = block · x: x is one row as bfloat16 pairs [pairs], the block [pairs][32][2] bfloat16 (the
 * layout of PackedBFloat16Weight), y float32. Each feature's sum runs in one chain over the pairs in
 * order, as oneDNN's micro-kernel adds, so a row gets the same bits alone as among several rows.
 * Position independent, no constants, no stack: System V calling convention (Linux x86-64).
 */
#include <immintrin.h>
#include <stdint.h>

void bfloat16_dot_product_block(const uint32_t *x, long pairs, const uint32_t *block, float *y)
{
    __m512 low = _mm512_setzero_ps(), high = _mm512_setzero_ps();
#pragma GCC unroll 4
    for (long k = 0; k < pairs; k++, block += 32)
    {
        __m512bh both = (__m512bh)_mm512_set1_epi32((int)x[k]);
        low = _mm512_dpbf16_ps(low, (__m512bh)_mm512_loadu_si512(block), both);
        high = _mm512_dpbf16_ps(high, (__m512bh)_mm512_loadu_si512(block + 16), both);
    }
    _mm512_storeu_ps(y, low);
    _mm512_storeu_ps(y + 16, high);
}
