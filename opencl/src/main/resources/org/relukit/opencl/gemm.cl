// C = epilogue(alpha · op(A) · op(B)), every product of the backend in one kernel.
//
// The scheme is Nugteren's myGEMM kernel 6 and CLBlast's Xgemm: a work-group computes a TSM × TSN
// tile of C, walking K in steps of TSK through two tiles in local memory; each work-item keeps a
// WPTM × WPTN block of C in registers (register blocking), reading one A value and WPTN B values
// from local memory per WPTM · WPTN multiply-adds. Work-item (tn, tm) owns the outputs
// (tm + i·RTSM, tn + j·RTSN), so neighbouring work-items write neighbouring columns of C.
//
// Build options, chosen per device by GemmTiles: TSM TSN TSK WPTM WPTN (tile sizes), VW (width of
// the vector loads from global memory) and LOCAL (0: no local tiles, see below; TSK and VW unused).
//
// op(A) is M × K and op(B) is K × N; lda, ldb and ldc are the row strides of the matrices as
// stored (row-major). Sizes need not be multiples of the tiles: tiles that cross an edge are
// loaded element by element and padded with zeros, interior tiles with vector loads.
//
// Split-K: the third dimension of the launch cuts K into slices of kSlice; slice s sums its part
// into the s-th M × N block of C, and sum_slices (elementwise.cl) adds the blocks up. A weight
// gradient has a small C (N × K nodes) and a long K (the batch), too few tiles to fill a GPU.

#define RTSM (TSM / WPTM)
#define RTSN (TSN / WPTN)
#define THREADS (RTSM * RTSN)

// flags
#define TRANS_A 1
#define TRANS_B 2
#define CENTRE 4     // subtract shiftA[m] from op(A)[m, k] and shiftB[n] from op(B)[k, n] (correlation)
#define HAS_BETA 8   // + beta · C
#define HAS_BIAS 16  // + bias[n]
#define RELU 32
#define HAS_GATE 64  // zero where gate[m, n] <= 0 (gate has C's shape)
#define SCALE 128    // · rowScale[m] · colScale[n]

#if VW == 4
#define VLOAD(v, p) vstore4(vload4(0, p), 0, v)
#elif VW == 2
#define VLOAD(v, p) vstore2(vload2(0, p), 0, v)
#elif VW == 1
#define VLOAD(v, p) (v)[0] = (p)[0]
#else
#error "VW must be 1, 2 or 4"
#endif

// Loads the TS × TSK tile of op(X) whose corner is (i0, k0) into tile[k · TS + i], where X is
// stored with k contiguous: x[i · ld + k] (A as it is, B transposed).
#define LOAD_K_CONTIGUOUS(x, ld, rows, depth, i0, k0, TS, tile, shift, centre)                   \
    {                                                                                             \
        const bool inside = (i0) + TS <= (rows) && (k0) + TSK <= (depth);                        \
        for (int l = tid; l < TS * TSK / VW; l += THREADS) {                                      \
            const int i = l / (TSK / VW);                                                         \
            const int k = (l % (TSK / VW)) * VW;                                                  \
            const global float* p = (x) + (size_t)((i0) + i) * (ld) + (k0) + k;                   \
            float v[VW];                                                                          \
            if (inside) {                                                                         \
                VLOAD(v, p);                                                                      \
            } else {                                                                              \
                for (int e = 0; e < VW; e++) {                                                    \
                    v[e] = (i0) + i < (rows) && (k0) + k + e < (depth) ? p[e] : 0.0f;             \
                }                                                                                 \
            }                                                                                     \
            const float s = (centre) && (i0) + i < (rows) ? (shift)[(i0) + i] : 0.0f;             \
            for (int e = 0; e < VW; e++) {                                                        \
                (tile)[(k + e) * TS + i] = (k0) + k + e < (depth) ? v[e] - s : 0.0f;              \
            }                                                                                     \
        }                                                                                         \
    }

// The same where X is stored with i contiguous: x[k · ld + i] (A transposed, B as it is).
#define LOAD_I_CONTIGUOUS(x, ld, rows, depth, i0, k0, TS, tile, shift, centre)                   \
    {                                                                                             \
        const bool inside = (i0) + TS <= (rows) && (k0) + TSK <= (depth);                        \
        for (int l = tid; l < TS * TSK / VW; l += THREADS) {                                      \
            const int k = l / (TS / VW);                                                          \
            const int i = (l % (TS / VW)) * VW;                                                   \
            const global float* p = (x) + (size_t)((k0) + k) * (ld) + (i0) + i;                   \
            float v[VW];                                                                          \
            if (inside) {                                                                         \
                VLOAD(v, p);                                                                      \
            } else {                                                                              \
                for (int e = 0; e < VW; e++) {                                                    \
                    v[e] = (k0) + k < (depth) && (i0) + i + e < (rows) ? p[e] : 0.0f;             \
                }                                                                                 \
            }                                                                                     \
            for (int e = 0; e < VW; e++) {                                                        \
                const bool in = (k0) + k < (depth) && (i0) + i + e < (rows);                     \
                (tile)[k * TS + i + e] = in ? v[e] - ((centre) ? (shift)[(i0) + i + e] : 0.0f) : 0.0f; \
            }                                                                                     \
        }                                                                                         \
    }

kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))
void gemm(const int M, const int N, const int K, const int kSlice, const int flags,
          const global float* restrict a, const int lda,
          const global float* restrict b, const int ldb,
          global float* c, const int ldc,
          const float alpha, const float beta,
          const global float* restrict bias,
          const global float* restrict gate,
          const global float* restrict rowScale, const global float* restrict colScale,
          const global float* restrict shiftA, const global float* restrict shiftB)
{
#if LOCAL
    local float aTile[TSK * TSM];
    local float bTile[TSK * TSN];
#endif
    const int tn = get_local_id(0);
    const int tm = get_local_id(1);
    const int tid = tm * RTSN + tn;
    const int m0 = get_group_id(1) * TSM;
    const int n0 = get_group_id(0) * TSN;
    const bool centre = (flags & CENTRE) != 0;
    const int kBegin = get_group_id(2) * kSlice;
    const int kEnd = min(K, kBegin + kSlice);
    c += (size_t)get_group_id(2) * M * ldc;

    float acc[WPTM][WPTN];
    for (int wm = 0; wm < WPTM; wm++) {
        for (int wn = 0; wn < WPTN; wn++) {
            acc[wm][wn] = 0.0f;
        }
    }

#if LOCAL
    for (int k0 = kBegin; k0 < kEnd; k0 += TSK) {
        if (flags & TRANS_A) {
            LOAD_I_CONTIGUOUS(a, lda, M, kEnd, m0, k0, TSM, aTile, shiftA, centre)
        } else {
            LOAD_K_CONTIGUOUS(a, lda, M, kEnd, m0, k0, TSM, aTile, shiftA, centre)
        }
        if (flags & TRANS_B) {
            LOAD_K_CONTIGUOUS(b, ldb, N, kEnd, n0, k0, TSN, bTile, shiftB, centre)
        } else {
            LOAD_I_CONTIGUOUS(b, ldb, N, kEnd, n0, k0, TSN, bTile, shiftB, centre)
        }
        barrier(CLK_LOCAL_MEM_FENCE);

#pragma unroll
        for (int k = 0; k < TSK; k++) {
            float bReg[WPTN];
            for (int wn = 0; wn < WPTN; wn++) {
                bReg[wn] = bTile[k * TSN + tn + wn * RTSN];
            }
            for (int wm = 0; wm < WPTM; wm++) {
                const float aReg = aTile[k * TSM + tm + wm * RTSM];
                for (int wn = 0; wn < WPTN; wn++) {
                    acc[wm][wn] = fma(aReg, bReg[wn], acc[wm][wn]);
                }
            }
        }
        // The next iteration overwrites the tiles the slowest work-item may still be reading.
        barrier(CLK_LOCAL_MEM_FENCE);
    }
#else
    // Straight from global memory, for CPUs, whose "local memory" is ordinary memory behind the same
    // caches (CLBlast's SA = SB = 0): no copies and no barriers, which a CPU implementation turns
    // into loops that spill the accumulators. Indices past the edge are clamped; their results are
    // never stored.
    for (int k = kBegin; k < kEnd; k++) {
        float bReg[WPTN];
        for (int wn = 0; wn < WPTN; wn++) {
            const int n = min(n0 + tn + wn * RTSN, N - 1);
            bReg[wn] = ((flags & TRANS_B) ? b[(size_t)n * ldb + k] : b[(size_t)k * ldb + n]) - (centre ? shiftB[n] : 0.0f);
        }
        for (int wm = 0; wm < WPTM; wm++) {
            const int m = min(m0 + tm + wm * RTSM, M - 1);
            const float aReg = ((flags & TRANS_A) ? a[(size_t)k * lda + m] : a[(size_t)m * lda + k]) - (centre ? shiftA[m] : 0.0f);
            for (int wn = 0; wn < WPTN; wn++) {
                acc[wm][wn] = fma(aReg, bReg[wn], acc[wm][wn]);
            }
        }
    }
#endif

    for (int wm = 0; wm < WPTM; wm++) {
        const int m = m0 + tm + wm * RTSM;
        for (int wn = 0; wn < WPTN; wn++) {
            const int n = n0 + tn + wn * RTSN;
            if (m < M && n < N) {
                const size_t at = (size_t)m * ldc + n;
                float v = alpha * acc[wm][wn];
                if (flags & HAS_BETA) {
                    v += beta * c[at];
                }
                if (flags & HAS_BIAS) {
                    v += bias[n];
                }
                if (flags & RELU) {
                    v = v < 0.0f ? 0.0f : v;  // max(v, 0) that keeps a NaN, as Math.max does
                }
                if (flags & HAS_GATE) {
                    v = gate[at] > 0.0f ? v : 0.0f;
                }
                if (flags & SCALE) {
                    v = v * rowScale[m] * colScale[n];
                }
                c[at] = v;
            }
        }
    }
}
