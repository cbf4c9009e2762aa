from django.db import models


class Probe(models.Model):
    name = models.CharField(max_length=80)
    owner = models.ForeignKey("org.Person", null=True, on_delete=models.SET_NULL, related_name="+")
    department = models.ForeignKey("org.Department", null=True, on_delete=models.SET_NULL, related_name="+")
    project = models.ForeignKey("org.Project", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    auto_accepted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/probe/{self.pk}/"
