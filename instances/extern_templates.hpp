// The project's own programs (examples, benchmarks, the tool's subcommands, test_cli and the suites
// that call the heavy entry points, built for the copy's instruction set) share one compiled copy of
// the library's heaviest entry points instead of instantiating them in every translation unit.
//
// CMake force-includes this header (`-include`) into the targets that call
// `causalattn_share_instances`; the causalattn_instances library compiles the definitions from the
// same lists (instances/*.cpp). A program that only includes the library's headers never
// sees this file and needs nothing else. Each list names a specialisation exactly; a list entry
// whose declaration does not match a template fails to compile in the instances library.
#pragma once

#include "causalattn/core.hpp"
#include "causalattn/discovery.hpp"
#include "causalattn/discovery/cdnod.hpp"
#include "causalattn/discovery/kci.hpp"
#include "causalattn/discovery/random_feature_tests.hpp"
#include "causalattn/effects.hpp"
#include "causalattn/io.hpp"
#include "causalattn/kernels/attention_backward.hpp"
#include "causalattn/kernels/attention_forward.hpp"
#include "causalattn/kernels/mesa.hpp"
#include "causalattn/nn/mesa_attention.hpp"
#include "causalattn/timeseries.hpp"
#include "causalattn/timeseries/in_context_ar.hpp"
#include "causalattn/timeseries/lagged_model_choice.hpp"

/// X-macro lists of explicit instantiations: X(declaration) for each, the declaration without
/// `template` or default arguments.
#define CAUSALATTN_EFFECTS_INSTANCES(X)                                                                                       \
  X(EffectEstimate estimate_effect<double>(EffectMethod, const TreatmentData<double>&, const EffectOptions&,                  \
                                           const CinaZsModel<float>*))                                                        \
  X(EffectEstimate difference_in_means<double>(const TreatmentData<double>&, const EffectOptions&))                           \
  X(EffectEstimate regression_adjustment<double>(const TreatmentData<double>&, const EffectOptions&))                         \
  X(EffectEstimate ipw<double>(const TreatmentData<double>&, const EffectOptions&))                                           \
  X(EffectEstimate aipw<double>(const TreatmentData<double>&, const EffectOptions&))                                          \
  X(EffectEstimate entropy_balancing<double>(const TreatmentData<double>&, const EffectOptions&))                             \
  X(EffectEstimate kernel_balancing<double>(const TreatmentData<double>&, const EffectOptions&))                              \
  X(EffectEstimate cina<double>(const TreatmentData<double>&, const EffectOptions&))                                          \
  X(CinaFit cina_fit<double>(const TreatmentData<double>&, const EffectOptions&))                                             \
  X(EffectEstimate cina_zs<float, double>(const CinaZsModel<float>&, const TreatmentData<double>&, const EffectOptions&))     \
  X(CateEstimate cina_zs_cate<float, double>(const CinaZsModel<float>&, const TreatmentData<double>&, const EffectOptions&))  \
  X(CateEstimate t_learner<double>(const TreatmentData<double>&, const EffectOptions&))                                       \
  X(CinaZsModel<float> parse_cina_zs<float>(std::string_view, const std::string&))                                            \
  X(OmittedVariableSensitivity omitted_variable_sensitivity<double>(const TreatmentData<double>&, const SensitivityOptions&)) \
  X(PropensityOverlap propensity_overlap<double>(const TreatmentData<double>&, const EffectOptions&))

/// CInA-ZS training and the simulator, solvers and outcome head it shares with the estimators.
#define CAUSALATTN_EFFECTS_TRAINING_INSTANCES(X)                                                                \
  X(SimulatedDataset simulate_dataset<void>(const SimulationFamily&, std::uint64_t))                            \
  X(CinaZsTrainingReport train_cina_zs<float>(CinaZsModel<float>&, const std::vector<SimulatedDataset>&,        \
                                              const CinaZsTrainingOptions&))                                    \
  X(std::string serialize_cina_zs<float>(const CinaZsModel<float>&))                                            \
  X(OutcomeHeadFit fit_outcome_head<void>(const OutcomeHead&, const Matrix<double>&, const Vector<double>&,     \
                                          const Vector<double>&))                                               \
  X(double outcome_head_loss<void>(const OutcomeHead&, const SimulatedDataset&, OutcomeHead*))                  \
  X(std::vector<double> train_outcome_head<void>(OutcomeHead&, const std::vector<SimulatedDataset>&,            \
                                                 const OutcomeHeadTrainingOptions&))                            \
  X(LinearFit fit_linear<void>(const Matrix<double>&, const Vector<double>&, double))                           \
  X(SmoResult solve_smo<void>(const Eigen::Ref<const Matrix<double>>&, const Eigen::Ref<const Vector<double>>&, \
                              const Eigen::Ref<const Vector<double>>&, const Eigen::Ref<const Vector<double>>&, \
                              const Eigen::Ref<const Vector<double>>&, const SmoOptions&))

#define CAUSALATTN_DISCOVERY_INSTANCES(X)                                                                      \
  X(PcResult pc<FisherZTest>(const FisherZTest&, std::vector<std::string>, const PcOptions&))                  \
  X(PcResult pc<DiscreteCiTest>(const DiscreteCiTest&, std::vector<std::string>, const PcOptions&))            \
  X(PcResult pc<KciTest>(const KciTest&, std::vector<std::string>, const PcOptions&))                          \
  X(PcResult pc<RcitTest>(const RcitTest&, std::vector<std::string>, const PcOptions&))                        \
  X(PcResult pc<RcotTest>(const RcotTest&, std::vector<std::string>, const PcOptions&))                        \
  X(FciResult fci<FisherZTest>(const FisherZTest&, std::vector<std::string>, const FciOptions&))               \
  X(FciResult fci<DiscreteCiTest>(const DiscreteCiTest&, std::vector<std::string>, const FciOptions&))         \
  X(FciResult fci<KciTest>(const KciTest&, std::vector<std::string>, const FciOptions&))                       \
  X(FciResult fci<RcitTest>(const RcitTest&, std::vector<std::string>, const FciOptions&))                     \
  X(FciResult fci<RcotTest>(const RcotTest&, std::vector<std::string>, const FciOptions&))                     \
  X(CdnodResult cdnod<FisherZTest>(const FisherZTest&, std::vector<std::string>, Index, const PcOptions&))     \
  X(CdnodResult cdnod<KciTest>(const KciTest&, std::vector<std::string>, Index, const PcOptions&))             \
  X(CdnodResult cdnod<RcitTest>(const RcitTest&, std::vector<std::string>, Index, const PcOptions&))           \
  X(CdnodResult cdnod<RcotTest>(const RcotTest&, std::vector<std::string>, Index, const PcOptions&))           \
  X(AttentionGraph attention_graph_from_covariance<void>(const Matrix<double>&, const AttentionGraphOptions&)) \
  X(CiTestResult FisherZTest::test<void>(Index, Index, const std::vector<Index>&) const)                       \
  X(CiTestResult KciTest::test<void>(Index, Index, std::vector<Index>) const)                                  \
  X(CiTestResult RandomFeatureCiTest<RffVariant::rcot>::run(Index, Index, const std::vector<Index>&) const)    \
  X(CiTestResult RandomFeatureCiTest<RffVariant::rcit>::run(Index, Index, const std::vector<Index>&) const)

#define CAUSALATTN_TIMESERIES_INSTANCES(X)                                                                \
  X(ArTransformerFit<float> fit_ar_transformer<float>(const Matrix<double>&, const ArTrainingOptions&))   \
  X(ArTransformerFit<double> fit_ar_transformer<double>(const Matrix<double>&, const ArTrainingOptions&)) \
  X(AttributionResult lagged_attribution<float>(const ArTransformerFit<float>&, const Matrix<double>&,    \
                                                const AttributionOptions&, std::vector<std::string>))     \
  X(AttributionResult lagged_attribution<double>(const ArTransformerFit<double>&, const Matrix<double>&,  \
                                                 const AttributionOptions&, std::vector<std::string>))    \
  X(std::unique_ptr<TokenMixer<float>> detail::make_mesa_attention<float>(const EncoderOptions&, Rng&))   \
  X(std::unique_ptr<TokenMixer<double>> detail::make_mesa_attention<double>(const EncoderOptions&, Rng&)) \
  X(PcmciResult pcmci<void>(const Matrix<double>&, Index, const PcmciOptions&, std::vector<std::string>)) \
  X(GrangerResult granger<void>(const Matrix<double>&, Index, std::vector<std::string>))                  \
  X(LaggedSeries simulate_var<void>(const VarOptions&))                                                   \
  X(LaggedSeries simulate_lorenz96<void>(const Lorenz96Options&))                                         \
  X(CsvTable<double> parse_csv<double>(std::string_view, const CsvOptions&, const std::string&))          \
  X(NpyArray<double> parse_npy<double>(std::string_view, const std::string&))

/// The attention kernels, softmax and mesa, in float and double (the network layers' hot loops).
#define CAUSALATTN_KERNEL_INSTANCES(X)     \
  CAUSALATTN_KERNEL_INSTANCES_OF(X, float) \
  CAUSALATTN_KERNEL_INSTANCES_OF(X, double)
#define CAUSALATTN_KERNEL_INSTANCES_OF(X, S)                                                                                     \
  X(AttentionResult<S> attention_forward<S>(const Eigen::Ref<const Matrix<S>>&, const Eigen::Ref<const Matrix<S>>&,              \
                                            const Eigen::Ref<const Matrix<S>>&, const AttentionOptions&, const KeyPaddingMask&)) \
  X(AttentionGradients<S> attention_backward<S>(const Eigen::Ref<const Matrix<S>>&, const Eigen::Ref<const Matrix<S>>&,          \
                                                const Eigen::Ref<const Matrix<S>>&, const Eigen::Ref<const Matrix<S>>&,          \
                                                const Eigen::Ref<const Vector<S>>&, const Eigen::Ref<const Matrix<S>>&,          \
                                                const AttentionOptions&, const KeyPaddingMask&))                                 \
  X(MesaResult<S> mesa_forward<S>(const Eigen::Ref<const Matrix<S>>&, const Eigen::Ref<const Matrix<S>>&,                        \
                                  const Eigen::Ref<const Matrix<S>>&, double, const KeyPaddingMask&, Index))                     \
  X(MesaGradients<S> mesa_backward<S>(const Eigen::Ref<const Matrix<S>>&, const Eigen::Ref<const Matrix<S>>&,                    \
                                      const Eigen::Ref<const Matrix<S>>&, double, const Eigen::Ref<const Matrix<S>>&,            \
                                      const KeyPaddingMask&, Index))

/// The lagged-graph methods built on the AR transformer and the in-context model.
#define CAUSALATTN_LAGGED_METHODS_INSTANCES(X)                                                                           \
  X(SegmentedAttribution segmented_lagged_attribution<float>(const Matrix<double>&, const std::vector<Index>&,           \
                                                             const ArTrainingOptions&, const AttributionOptions&,        \
                                                             std::vector<std::string>))                                  \
  X(AttributionResult ensemble_lagged_attribution<float>(const Matrix<double>&, Index, const ArTrainingOptions&,         \
                                                         const AttributionOptions&, std::vector<std::string>))           \
  X(LaggedModelChoice<float, double> choose_lagged_model<float, double>(const Matrix<double>&, const ArTrainingOptions&, \
                                                                        const InContextArOptions&))                      \
  X(InContextArFit<double> fit_in_context_ar<double>(const Matrix<double>&, const InContextArOptions&))                  \
  X(InContextArFit<float> fit_in_context_ar<float>(const Matrix<double>&, const InContextArOptions&))                    \
  X(AttributionResult in_context_attribution<double>(const InContextArFit<double>&, const Matrix<double>&,               \
                                                     const AttributionOptions&, std::vector<std::string>))

/// Declares one specialisation as compiled elsewhere.
#define CAUSALATTN_EXTERN_INSTANCE(...) extern template __VA_ARGS__;
/// Defines one specialisation (in instances/*.cpp, one list per file).
#define CAUSALATTN_DEFINE_INSTANCE(...) template __VA_ARGS__;

namespace causalattn {
CAUSALATTN_EFFECTS_INSTANCES(CAUSALATTN_EXTERN_INSTANCE)
CAUSALATTN_EFFECTS_TRAINING_INSTANCES(CAUSALATTN_EXTERN_INSTANCE)
CAUSALATTN_KERNEL_INSTANCES(CAUSALATTN_EXTERN_INSTANCE)
CAUSALATTN_DISCOVERY_INSTANCES(CAUSALATTN_EXTERN_INSTANCE)
CAUSALATTN_TIMESERIES_INSTANCES(CAUSALATTN_EXTERN_INSTANCE)
CAUSALATTN_LAGGED_METHODS_INSTANCES(CAUSALATTN_EXTERN_INSTANCE)
}  // namespace causalattn
