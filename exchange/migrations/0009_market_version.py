from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("exchange", "0008_order_client_order_id_index")]
    operations = [
        migrations.AddField(
            model_name="market",
            name="version",
            field=models.BigIntegerField(default=0),
        ),
    ]
