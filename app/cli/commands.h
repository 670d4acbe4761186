#pragma once
// One function per subcommand; each takes the arguments after the subcommand's name.
namespace lorastudio::cli {

int run_inspect(int argc, char** argv);
int run_convert(int argc, char** argv);
int run_interpolate(int argc, char** argv);
int run_soup(int argc, char** argv);
int run_compare(int argc, char** argv);
int run_bench(int argc, char** argv);
int run_run_model(int argc, char** argv);
int run_train(int argc, char** argv);
int run_generate(int argc, char** argv);
int run_zoo(int argc, char** argv);
int run_zoo_export(int argc, char** argv);  // zoo export
int run_zoo_synthetic(int argc, char** argv);  // zoo synthetic
int run_memorization(int argc, char** argv);
int run_pretrain_stylizer(int argc, char** argv);
int run_styles(int argc, char** argv);
int run_evaluate(int argc, char** argv);
int run_harvest_styles(int argc, char** argv);
int run_recipe(int argc, char** argv);  // recipe run | status
int run_pretrain_bert(int argc, char** argv);
int run_harvest_glue(int argc, char** argv);
int run_evaluate_glue(int argc, char** argv);
int run_evaluate_text(int argc, char** argv);

}  // namespace lorastudio::cli
