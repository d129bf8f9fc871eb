from django.db import models


class Effect(models.Model):
    """One row per handler run that committed: counting rows counts effects."""

    subscriber = models.CharField(max_length=100)
    key = models.CharField(max_length=150)
    n = models.IntegerField()
    label = models.CharField(max_length=50, blank=True)
    worker_pid = models.IntegerField(null=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.subscriber} {self.key} {self.n}"
