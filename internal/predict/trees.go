package predict

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// Params are the boosting hyper-parameters.
type Params struct {
	MaxTrees        int     `json:"max_trees"`         // upper bound; early stopping usually ends sooner
	LearningRate    float64 `json:"learning_rate"`     // shrinkage applied to every leaf
	MaxDepth        int     `json:"max_depth"`         // depth of each tree (interactions of up to this many features)
	MinChildHessian float64 `json:"min_child_hessian"` // least sum of p(1-p) in a leaf
	MinChildRows    int     `json:"min_child_rows"`    // least training rows in a leaf
	Lambda          float64 `json:"lambda"`            // L2 penalty on leaf values
	Subsample       float64 `json:"subsample"`         // share of training rows each tree sees
	EarlyStop       int     `json:"early_stop"`        // trees without a better calibration-part log loss before stopping
}

// DefaultParams are settings that suit a few thousand to a few hundred thousand rows of tabular data.
func DefaultParams() Params {
	return Params{
		MaxTrees: 600, LearningRate: 0.05, MaxDepth: 5, MinChildHessian: 2, MinChildRows: 20,
		Lambda: 1, Subsample: 0.8, EarlyStop: 50,
	}
}

// Validate reports a parameter out of its range.
func (p Params) Validate() error {
	switch {
	case p.MaxTrees < 1:
		return fmt.Errorf("max_trees must be at least 1, not %d", p.MaxTrees)
	case !(p.LearningRate > 0 && p.LearningRate <= 1):
		return fmt.Errorf("learning_rate must be in (0, 1], not %g", p.LearningRate)
	case p.MaxDepth < 1 || p.MaxDepth > 12:
		return fmt.Errorf("max_depth must be between 1 and 12, not %d", p.MaxDepth)
	case p.MinChildHessian < 0 || p.MinChildRows < 1:
		return fmt.Errorf("min_child_hessian must be >= 0 and min_child_rows >= 1")
	case p.Lambda < 0:
		return fmt.Errorf("lambda must be >= 0, not %g", p.Lambda)
	case !(p.Subsample > 0 && p.Subsample <= 1):
		return fmt.Errorf("subsample must be in (0, 1], not %g", p.Subsample)
	case p.EarlyStop < 1:
		return fmt.Errorf("early_stop must be at least 1, not %d", p.EarlyStop)
	}
	return nil
}

// binSet is a set of bins (at most 64); in JSON a hexadecimal string, since JSON numbers lose bits.
type binSet uint64

func (s binSet) has(b uint8) bool { return s&(1<<b) != 0 }

func (s binSet) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.FormatUint(uint64(s), 16) + `"`), nil
}

func (s *binSet) UnmarshalJSON(b []byte) error {
	str, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("bin set: %w", err)
	}
	v, err := strconv.ParseUint(str, 16, 64)
	if err != nil {
		return fmt.Errorf("bin set: %w", err)
	}
	*s = binSet(v)
	return nil
}

// node is a split (Feature >= 0) or a leaf (Feature == -1). Value is the log-odds the node would add
// were it a leaf; the change from a node to its child is credited to the node's feature.
type node struct {
	Feature int     `json:"f"`
	Left    binSet  `json:"l,omitempty"` // bins that go to Yes
	Yes     int32   `json:"y,omitempty"`
	No      int32   `json:"n,omitempty"`
	Value   float64 `json:"v"`
}

// Tree is one regression tree of the ensemble, its nodes in breadth-first order from the root.
type Tree struct {
	Nodes []node `json:"nodes"`
}

// leafValueCol walks row r of column-major bins (one bin per feature) to its leaf and returns the leaf's value.
func (t *Tree) leafValueCol(x [][]uint8, r int) float64 {
	n := &t.Nodes[0]
	for n.Feature >= 0 {
		if n.Left.has(x[n.Feature][r]) {
			n = &t.Nodes[n.Yes]
		} else {
			n = &t.Nodes[n.No]
		}
	}
	return n.Value
}

// contribute adds the row's path attribution to contrib (one slot per feature) and returns the root
// value, which belongs to no feature.
func (t *Tree) contribute(row []uint8, contrib []float64) float64 {
	n := &t.Nodes[0]
	for n.Feature >= 0 {
		next := &t.Nodes[n.No]
		if n.Left.has(row[n.Feature]) {
			next = &t.Nodes[n.Yes]
		}
		contrib[n.Feature] += next.Value - n.Value
		n = next
	}
	return t.Nodes[0].Value
}

// booster grows trees on column-major binned data.
type booster struct {
	x      [][]uint8 // x[feature][row]
	nbins  []int
	offset []int // feature f's bins start at offset[f] in a histogram
	kinds  []Kind
	p      Params
	g, h   []float64
	order  []uint8
	sample []int32
	right  []int32 // scratch for the stable partition
	spare  []*histogram
}

// histogram holds, for every bin of every feature, the sums of gradient and hessian and the row count
// of one node's rows.
type histogram struct {
	g, h []float64
	n    []int
}

func (b *booster) newHistogram() *histogram {
	if k := len(b.spare); k > 0 {
		hg := b.spare[k-1]
		b.spare = b.spare[:k-1]
		clear(hg.g)
		clear(hg.h)
		clear(hg.n)
		return hg
	}
	total := b.offset[len(b.offset)-1]
	return &histogram{g: make([]float64, total), h: make([]float64, total), n: make([]int, total)}
}

// fill adds rows to the histogram, one feature at a time so each pass reads one column.
func (b *booster) fill(hg *histogram, rows []int32) {
	for f, col := range b.x {
		off := b.offset[f]
		g, h, n := hg.g[off:b.offset[f+1]], hg.h[off:b.offset[f+1]], hg.n[off:b.offset[f+1]]
		for _, r := range rows {
			bin := col[r]
			g[bin] += b.g[r]
			h[bin] += b.h[r]
			n[bin]++
		}
	}
}

// subtract turns parent into parent minus child: the histogram of the other child, without a pass
// over its rows.
func (b *booster) subtract(parent, child *histogram) {
	for i := range parent.g {
		parent.g[i] -= child.g[i]
		parent.h[i] -= child.h[i]
		parent.n[i] -= child.n[i]
	}
}

type split struct {
	feature int
	left    binSet
	gain    float64
}

// boost fits up to p.MaxTrees trees to the training rows, starting from base log-odds, and keeps the
// prefix that gives the lowest log loss on the validation rows. It returns the trees and the number of
// trees tried. It stops early with ctx's error when ctx is cancelled.
func boost(ctx context.Context, x [][]uint8, nbins []int, kinds []Kind, y []bool, train, valid []int32, base float64, p Params, seed uint64) ([]Tree, int, error) {
	b := &booster{x: x, nbins: nbins, kinds: kinds, p: p, g: make([]float64, len(y)), h: make([]float64, len(y))}
	b.offset = make([]int, len(nbins)+1)
	for f, nb := range nbins {
		b.offset[f+1] = b.offset[f] + nb
	}
	// Rows in ascending order (kept so by the stable partition) read the columns front to back.
	train = slices.Clone(train)
	slices.Sort(train)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	f := make([]float64, len(y))
	for i := range f {
		f[i] = base
	}
	var trees []Tree
	best, bestLoss, tried := 0, math.Inf(1), 0
	for len(trees) < p.MaxTrees && len(trees)-best < p.EarlyStop {
		if err := ctx.Err(); err != nil {
			return nil, tried, err
		}
		for _, r := range train {
			pr := sigmoid(f[r])
			yv := 0.0
			if y[r] {
				yv = 1
			}
			b.g[r], b.h[r] = pr-yv, max(pr*(1-pr), 1e-12)
		}
		b.sample = b.sample[:0]
		for _, r := range train {
			if p.Subsample >= 1 || rng.Float64() < p.Subsample {
				b.sample = append(b.sample, r)
			}
		}
		t := b.grow(b.sample)
		trees = append(trees, t)
		tried++
		for _, r := range train {
			f[r] += t.leafValueCol(x, int(r))
		}
		loss := 0.0
		for _, r := range valid {
			f[r] += t.leafValueCol(x, int(r))
			loss += logLoss(sigmoid(f[r]), y[r])
		}
		if len(valid) == 0 || loss < bestLoss-1e-9 {
			best, bestLoss = len(trees), loss
		}
	}
	return trees[:best], tried, nil
}

// grow builds one tree breadth-first over rows, which it reorders in place (stably).
func (b *booster) grow(rows []int32) Tree {
	type task struct {
		node  int32
		rows  []int32
		depth int
		hist  *histogram // nil when the node will not be split
	}
	var t Tree
	g, h := b.sums(rows)
	t.Nodes = append(t.Nodes, node{Feature: -1, Value: b.leaf(g, h)})
	root := task{0, rows, 0, nil}
	if b.splittable(len(rows), 0) {
		root.hist = b.newHistogram()
		b.fill(root.hist, rows)
	}
	queue := []task{root}
	for len(queue) > 0 {
		tk := queue[0]
		queue = queue[1:]
		if tk.hist == nil {
			continue
		}
		s, ok := b.bestSplit(tk.hist, len(tk.rows))
		if !ok {
			b.spare = append(b.spare, tk.hist)
			continue
		}
		col := b.x[s.feature]
		b.right = b.right[:0]
		i := 0
		for _, r := range tk.rows {
			if s.left.has(col[r]) {
				tk.rows[i] = r
				i++
			} else {
				b.right = append(b.right, r)
			}
		}
		copy(tk.rows[i:], b.right)
		left, right := tk.rows[:i], tk.rows[i:]
		lg, lh := b.sums(left)
		rg, rh := b.sums(right)
		yes, no := int32(len(t.Nodes)), int32(len(t.Nodes)+1)
		t.Nodes = append(t.Nodes, node{Feature: -1, Value: b.leaf(lg, lh)}, node{Feature: -1, Value: b.leaf(rg, rh)})
		n := &t.Nodes[tk.node]
		n.Feature, n.Left, n.Yes, n.No = s.feature, s.left, yes, no
		lt, rt := task{yes, left, tk.depth + 1, nil}, task{no, right, tk.depth + 1, nil}
		splitL, splitR := b.splittable(len(left), tk.depth+1), b.splittable(len(right), tk.depth+1)
		// Fill the smaller child's histogram from its rows; the larger one's is the parent's minus it.
		small, large, splitSmall, splitLarge := &lt, &rt, splitL, splitR
		if len(left) > len(right) {
			small, large, splitSmall, splitLarge = &rt, &lt, splitR, splitL
		}
		if splitSmall || splitLarge {
			sh := b.newHistogram()
			b.fill(sh, small.rows)
			if splitLarge {
				b.subtract(tk.hist, sh)
				large.hist = tk.hist
			} else {
				b.spare = append(b.spare, tk.hist)
			}
			if splitSmall {
				small.hist = sh
			} else {
				b.spare = append(b.spare, sh)
			}
		} else {
			b.spare = append(b.spare, tk.hist)
		}
		queue = append(queue, lt, rt)
	}
	return t
}

// splittable says whether a node of n rows at depth may still be split.
func (b *booster) splittable(n, depth int) bool {
	return depth < b.p.MaxDepth && n >= 2*b.p.MinChildRows
}

func (b *booster) sums(rows []int32) (g, h float64) {
	for _, r := range rows {
		g += b.g[r]
		h += b.h[r]
	}
	return g, h
}

// leaf is the Newton step for a leaf, shrunk by the learning rate.
func (b *booster) leaf(g, h float64) float64 { return -g / (h + b.p.Lambda) * b.p.LearningRate }

func (b *booster) score(g, h float64) float64 { return g * g / (h + b.p.Lambda) }

// bestSplit finds the split of a node (given its histogram and row count) with the largest gain over
// all features; ties keep the first.
func (b *booster) bestSplit(hg *histogram, rows int) (split, bool) {
	var best split
	found := false
	var gAll, hAll float64
	for bin := b.offset[0]; bin < b.offset[1]; bin++ {
		gAll += hg.g[bin]
		hAll += hg.h[bin]
	}
	parent := b.score(gAll, hAll)
	for f := range b.x {
		nb := b.nbins[f]
		gHist, hHist, nHist := hg.g[b.offset[f]:b.offset[f+1]], hg.h[b.offset[f]:b.offset[f+1]], hg.n[b.offset[f]:b.offset[f+1]]
		// Candidate left sets are prefixes of an order of the bins: the natural order for numbers
		// (missing tried on either side), the order of each bin's Newton step for categories.
		b.order = b.order[:0]
		if b.kinds[f] == Numeric {
			for bin := 1; bin < nb; bin++ {
				b.order = append(b.order, uint8(bin))
			}
		} else {
			for bin := range nb {
				if nHist[bin] > 0 {
					b.order = append(b.order, uint8(bin))
				}
			}
			slices.SortStableFunc(b.order, func(x, y uint8) int {
				return cmp.Compare(gHist[x]/(hHist[x]+b.p.Lambda), gHist[y]/(hHist[y]+b.p.Lambda))
			})
		}
		var gl, hl float64
		var nl int
		var set binSet
		for k := 0; k < len(b.order)-1; k++ {
			bin := b.order[k]
			gl, hl, nl = gl+gHist[bin], hl+hHist[bin], nl+nHist[bin]
			set |= 1 << bin
			if nHist[bin] == 0 && b.kinds[f] == Numeric {
				continue // the same split as the previous prefix
			}
			try := func(gl, hl float64, nl int, set binSet) {
				gr, hr, nr := gAll-gl, hAll-hl, rows-nl
				if nl < b.p.MinChildRows || nr < b.p.MinChildRows || hl < b.p.MinChildHessian || hr < b.p.MinChildHessian {
					return
				}
				gain := b.score(gl, hl) + b.score(gr, hr) - parent
				if gain > 1e-9 && (!found || gain > best.gain) {
					best, found = split{feature: f, left: set, gain: gain}, true
				}
			}
			if b.kinds[f] == Numeric {
				gm, hm, nm := gHist[binMissing], hHist[binMissing], nHist[binMissing]
				if nm == 0 {
					// No missing values here: send any later ones with the larger side.
					if hl > hAll-hl {
						try(gl, hl, nl, set|1<<binMissing)
					} else {
						try(gl, hl, nl, set)
					}
					continue
				}
				try(gl, hl, nl, set)
				try(gl+gm, hl+hm, nl+nm, set|1<<binMissing)
			} else {
				try(gl, hl, nl, set)
			}
		}
	}
	return best, found
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

func logLoss(p float64, y bool) float64 {
	const eps = 1e-15
	p = min(max(p, eps), 1-eps)
	if y {
		return -math.Log(p)
	}
	return -math.Log(1 - p)
}
