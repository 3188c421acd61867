# One image for every process of the full deployment (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000 8228 8229 8230 8231
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "kalshi_site.asgi:application"]
