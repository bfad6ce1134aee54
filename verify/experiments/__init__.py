"""Section 3 experiments (Malach et al. 2020): neuron-subnetworks vs random features vs weight-subnetworks.

``separation_experiment`` — weight- vs neuron-pruning on a single ReLU neuron (separation.py);
``random_features_experiment`` — digits: trained random features vs their neuron-subnetwork
(random_features.py).
"""

from verify.experiments.random_features import random_features_experiment
from verify.experiments.separation import separation_experiment

__all__ = ["separation_experiment", "random_features_experiment"]
