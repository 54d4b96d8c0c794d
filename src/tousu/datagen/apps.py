from django.apps import AppConfig


class DatagenConfig(AppConfig):
    name = "tousu.datagen"
    label = "datagen"
    verbose_name = "Benchmark data generator"
